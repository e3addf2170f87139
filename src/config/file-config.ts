/**
 * Parses config file text (YAML or JSON) and checks its shape against the schema before
 * convict sees it: convict would silently turn a section given a scalar, or a key given a
 * mapping, into confusing "missing from config" messages. Pure: text in, object out.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { CONFIG_SCHEMA, isKeySpec, type ConfigSectionSpec } from './schema.js';
import { ConfigError } from './errors.js';

/** One shape problem, named by key. */
interface ShapeIssue {
  key: string;
  message: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let yaml: typeof Yaml | undefined;

/** The YAML parser, loaded with the first YAML file (about 20 ms of start-up for a gateway configured by environment alone). */
function yamlModule(): typeof Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yaml;
}

/** Parses file text by extension: `.json` as JSON, anything else as YAML (a superset of JSON). */
export function parseConfigText(text: string, path: string): unknown {
  try {
    if (path.toLowerCase().endsWith('.json')) return JSON.parse(text) as unknown;
    // uniqueKeys: a key given twice is a mistake, not "last one wins".
    return yamlModule().parse(text, { uniqueKeys: true, prettyErrors: true }) as unknown;
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
}

function checkSection(value: Record<string, unknown>, schema: ConfigSectionSpec, prefix: string, issues: ShapeIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const key = prefix + name;
    const spec = Object.prototype.hasOwnProperty.call(schema, name) ? schema[name] : undefined;
    if (spec === undefined) {
      issues.push({ key, message: `unknown config key "${key}"` });
      continue;
    }
    // An empty YAML section (`mqtt:` with every line commented out) or `password:` reads as null: unset.
    if (child === null) continue;
    if (isKeySpec(spec)) {
      // Keys whose default is a mapping (a later `profiles: {name: {...}}`) take one; others do not.
      if (isMapping(child) && !isMapping(spec.default)) issues.push({ key, message: `${key}: must be a single value or list, not a mapping` });
      else out[name] = child;
    } else if (!isMapping(child)) {
      issues.push({ key, message: `${key}: must be a section (a mapping of keys)` });
    } else {
      out[name] = checkSection(child, spec, key + '.', issues);
    }
  }
  return out;
}

/** Checks a parsed file against the schema's keys; returns it without null (unset) entries. */
export function checkConfigShape(parsed: unknown, path: string): Record<string, unknown> {
  // An empty file parses to null/undefined: a file with everything at its default.
  if (parsed === null || parsed === undefined) return {};
  if (!isMapping(parsed)) throw new ConfigError(`config file ${path} must hold a mapping of keys at the top level`);
  const issues: ShapeIssue[] = [];
  const checked = checkSection(parsed, CONFIG_SCHEMA, '', issues);
  if (issues.length > 0) {
    throw new ConfigError(
      issues.map((issue) => `${issue.message} (in ${path})`).join('\n'),
      issues.map((issue) => issue.key),
    );
  }
  return checked;
}
