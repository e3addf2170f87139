/**
 * The `buttons` config section: which of a scanner's own buttons starts a scan, and with
 * which profile. Pure validation; errors name `buttons[i].<field>`.
 */
import { EVERY_SCANNER } from '../core/device-events.js';

/** One binding of a scanner button to a scan. */
export interface ButtonBinding {
  /** Scanner id as on `bridge/devices`, or `*` for every scanner. */
  scanner: string;
  /** Button name as in the scanner's capabilities (`buttons`), e.g. `scan`, `email`, or a WSD panel entry (`Scan to HA`). */
  button: string;
  /** Profile the scan uses; unset = the scanner's current Home Assistant choices. */
  profile?: string;
  /** `scan` (default) runs the profile; `event` only publishes the press, for Home Assistant automations to decide. */
  action: ButtonAction;
}

/** What a bound press does besides being published. */
export type ButtonAction = 'scan' | 'event';
/** Every binding action. */
export const BUTTON_ACTIONS: readonly ButtonAction[] = ['scan', 'event'];

/** More bindings than any home has scanner buttons; bounds a hostile env value. */
export const MAX_BUTTON_BINDINGS = 64;
const FIELDS = new Set(['scanner', 'button', 'profile', 'action']);
const TOKEN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Panel entries are shown to people: spaces and any printable character, but not at the ends. */
const BUTTON_NAME = /^(?=\S)[^\p{Cc}]{1,64}(?<=\S)$/u;

/** Validates the `buttons` list. */
export function parseButtonsConfig(value: unknown): ButtonBinding[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error('buttons: must be a list');
  if (value.length > MAX_BUTTON_BINDINGS) throw new Error(`buttons: at most ${MAX_BUTTON_BINDINGS} entries`);
  const seen = new Set<string>();
  return value.map((raw: unknown, index) => {
    const where = `buttons[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: must be an object {scanner, button, profile?, action?}`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) if (!FIELDS.has(key)) throw new Error(`${where}.${key}: unknown field`);
    const scanner = entry.scanner === EVERY_SCANNER ? EVERY_SCANNER : token(entry.scanner, `${where}.scanner`);
    const binding: ButtonBinding = { scanner, button: buttonName(entry.button, `${where}.button`), action: action(entry.action, `${where}.action`) };
    if (entry.profile !== undefined) binding.profile = token(entry.profile, `${where}.profile`);
    if (binding.action === 'event' && binding.profile !== undefined) throw new Error(`${where}.profile: an "event" binding scans nothing, so it takes no profile`);
    const identity = `${binding.scanner}/${binding.button}`;
    if (seen.has(identity)) throw new Error(`${where}: button "${binding.button}" of "${binding.scanner}" is bound twice`);
    seen.add(identity);
    return binding;
  });
}

function buttonName(value: unknown, where: string): string {
  if (typeof value !== 'string' || !BUTTON_NAME.test(value)) throw new Error(`${where}: must be a name of 1 to 64 printable characters, without spaces at either end`);
  return value;
}

function action(value: unknown, where: string): ButtonAction {
  if (value === undefined) return 'scan';
  if (typeof value !== 'string' || !(BUTTON_ACTIONS as readonly string[]).includes(value)) throw new Error(`${where}: must be one of ${BUTTON_ACTIONS.join(', ')}`);
  return value as ButtonAction;
}

function token(value: unknown, where: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) throw new Error(`${where}: must be a name of letters, digits and _.:- (1 to 128)`);
  return value;
}
