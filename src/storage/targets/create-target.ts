/** Builds the storage target a TargetConfig describes. */
import type { Logger } from '../../core/logger.js';
import { createFolderTarget } from '../folder/folder-target.js';
import type { StorageTarget } from '../target.js';
import { createEmailTarget, type MailSender } from './email-target.js';
import { createMqttTarget, type PublishFn } from './mqtt-target.js';
import { createPaperlessTarget } from './paperless-target.js';
import type { TargetConfig } from './target-config.js';
import { createWebdavTarget } from './webdav-target.js';

/** What targets need from the gateway. */
export interface TargetDeps {
  logger: Logger;
  /** MQTT publish (topic relative to the base topic); required by `mqtt` targets. */
  publish?: PublishFn;
  /** The gateway's data folder (relative folder targets resolve below the working directory, not here). */
  dataFolder: string;
  /** Replaces the built-in SMTP client (e.g. a nodemailer adapter). */
  mailSender?: MailSender;
}

/** Creates the target for `config`; throws a plain Error naming the config key when it cannot. */
export function createTarget(config: TargetConfig, deps: TargetDeps): StorageTarget {
  const logger = deps.logger;
  switch (config.type) {
    case 'folder': {
      const target = createFolderTarget({
        folder: config.folder,
        ...(config.filename_template !== undefined ? { filenameTemplate: config.filename_template } : {}),
        ...(config.file_mode !== undefined ? { fileMode: config.file_mode } : {}),
        ...(config.uid !== undefined ? { uid: config.uid } : {}),
        ...(config.gid !== undefined ? { gid: config.gid } : {}),
        logger,
      });
      // Records in the delivery outbox name their target: use the config name, not the path.
      return { name: config.name, deliver: (doc, ctx) => target.deliver(doc, ctx) };
    }
    case 'paperless':
      return createPaperlessTarget(config, { logger });
    case 'webdav':
      return createWebdavTarget(config, { logger });
    case 'email':
      return createEmailTarget(config, { logger, ...(deps.mailSender ? { sender: deps.mailSender } : {}) });
    case 'mqtt': {
      if (deps.publish === undefined) throw new Error(`targets.${config.name}: mqtt targets need the MQTT connection`);
      return createMqttTarget(config, { publish: deps.publish, logger });
    }
  }
}
