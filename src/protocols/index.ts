/**
 * The protocol modules the gateway speaks. Adding a protocol means adding its folder and one
 * line here; the composition root, config and registry learn of it from this table only.
 */
import type { ProtocolModule } from '../core/protocol-module.js';
import { esclModule } from './escl/module.js';
import { saneModule } from './sane/module.js';
import { wsdModule } from './wsd/module.js';

/** Every protocol module, in the order their names are listed to users. */
export const PROTOCOL_MODULES: readonly ProtocolModule[] = [esclModule, wsdModule, saneModule];
