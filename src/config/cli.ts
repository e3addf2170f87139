/** Command-line arguments and the --help text. Pure: main.ts prints and exits. */
import { CONFIG_FILE_ENV, listConfigKeys } from './schema.js';
import { ConfigError } from './errors.js';

/** What the command line asked for. */
export interface CliArgs {
  /** From `--config PATH`, `--config=PATH` or `-c PATH`. */
  configPath?: string;
  help: boolean;
  version: boolean;
  /** `--healthcheck`: check the running gateway's health file and exit (Docker HEALTHCHECK). */
  healthcheck: boolean;
}

/** Reads the arguments after the script name (`process.argv.slice(2)`). */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { help: false, version: false, healthcheck: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--version') args.version = true;
    else if (arg === '--healthcheck') args.healthcheck = true;
    else if (arg === '--config' || arg === '-c') {
      const path = argv[i + 1];
      if (path === undefined || path === '' || path.startsWith('-')) throw new ConfigError(`${arg} needs a file path`, [arg]);
      args.configPath = path;
      i++;
    } else if (arg.startsWith('--config=')) {
      const path = arg.slice('--config='.length);
      if (path === '') throw new ConfigError('--config= needs a file path', ['--config']);
      args.configPath = path;
    } else {
      throw new ConfigError(`unknown command-line argument "${arg}" (try --help)`, [arg]);
    }
  }
  return args;
}

function formatDefault(value: unknown): string {
  if (value === null || value === '') return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The --help text: usage, then every key with its env variable and default. */
export function helpText(version?: string): string {
  const lines = [
    `scan2mqtt${version === undefined ? '' : ' ' + version} — network document scanners as MQTT devices`,
    '',
    'Usage: scan2mqtt [--config PATH] [--healthcheck] [--help] [--version]',
    '       scan2mqtt doctor [--config PATH]',
    '  doctor                  check the broker, folders, multicast and devices; exit 0 only when all is well',
    `  --config PATH, -c PATH  YAML or JSON config file (or set ${CONFIG_FILE_ENV})`,
    '  --healthcheck           exit 0 if the running gateway is healthy, 1 if not',
    '  --help, -h              this text',
    '  --version               print the version',
    '',
    'Settings (file key / environment variable / default). Environment beats the file.',
    'Secrets may be read from a file named by <VARIABLE>_FILE.',
    '',
  ];
  for (const key of listConfigKeys()) {
    lines.push(`  ${key.key}`, `      ${key.env}${key.sensitive ? ' (secret)' : ''}  default: ${formatDefault(key.default)}`, `      ${key.doc}`);
  }
  return lines.join('\n') + '\n';
}
