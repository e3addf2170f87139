// Lint rules. The import rules are the architecture of STYLE.md ("Boundaries"), checked:
// protocols and discovery see only core and the shared helpers (src/imaging, src/xml, src/http),
// the publishers (mqtt, homeassistant) see only core, core sees nothing else in src, log does not
// read config, and the gateway never names a protocol, a discovery source, a publisher or the root.
// test/architecture.test.ts proves each rule still fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Deepest folder nesting under a layer the rules cover (src/protocols/sane/discovery/x.ts is 3). */
const MAX_DEPTH = 5;

/**
 * One config per nesting depth, since a relative import reaches src/<folder>/ by climbing exactly
 * as many levels as the file is deep; climbing fewer stays inside the layer (always allowed).
 * `allowed`: the only src folders the layer may import from; `forbidden`: folders it may not.
 */
function boundary(layer, { allowed, forbidden }, message) {
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const up = `^(\\.\\./){${i + 1}}`;
    const regex = allowed ? `${up}(?!(${[layer, ...allowed].join('|')})/)` : `${up}(${forbidden.join('|')})/`;
    return {
      files: [`src/${layer}/${'*/'.repeat(i)}*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message: `${message} (STYLE.md: Boundaries)` }] }] },
    };
  });
}

/**
 * The shared helpers (no domain types, no config) that protocol and discovery code uses: pure
 * parsers and encoders, and src/http, what every HTTP scanner client does the same way.
 */
const PURE_HELPERS = ['imaging', 'xml', 'http'];

/** The browser globals the frontend page uses (listed here rather than pulling in a globals package). */
const BROWSER_GLOBALS = Object.fromEntries(
  ['window', 'document', 'location', 'history', 'navigator', 'fetch', 'EventSource', 'URL', 'URLSearchParams', 'FormData', 'HTMLElement', 'Event', 'KeyboardEvent',
    'setTimeout', 'clearTimeout', 'requestAnimationFrame', 'performance', 'confirm', 'console', 'matchMedia', 'CSS', 'Node']
    .map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }] } },
  ...boundary('protocols', { allowed: ['core', ...PURE_HELPERS] }, 'A protocol imports only src/core and the shared helpers src/imaging, src/xml, src/http'),
  ...boundary('discovery', { allowed: ['core', ...PURE_HELPERS] }, 'Discovery imports only src/core and the shared helpers src/imaging, src/xml, src/http'),
  ...boundary('mqtt', { allowed: ['core'] }, 'The MQTT layer sees only src/core'),
  ...boundary('homeassistant', { allowed: ['core'] }, 'The Home Assistant layer sees only src/core'),
  ...boundary('http', { allowed: ['core'] }, 'The shared HTTP helpers see only src/core'),
  ...boundary(
    'escl-server',
    { allowed: ['core', 'persistence', 'protocols/escl', 'discovery/mdns', 'imaging'] },
    'The eSCL server sees only src/core (GatewayApi, ScannerView, capabilities), the eSCL codec in src/protocols/escl, src/persistence, (for its DNS-SD adverts) the mDNS links and sockets of src/discovery/mdns, and src/imaging (sharp, loaded lazily)',
  ),
  ...boundary('web', { allowed: ['core', 'imaging'] }, 'The web frontend sees only src/core (GatewayApi, DocumentLibrary, LogFeed) and src/imaging (sharp, loaded lazily)'),
  ...boundary('library', { forbidden: ['mqtt', 'homeassistant', 'web', 'app', 'config'] }, 'The document library works on storage and core, never a publisher, the frontend, the root or config'),
  ...boundary('core', { allowed: [] }, 'src/core is the domain and imports nothing else in src'),
  ...boundary('log', { forbidden: ['config'] }, 'Logging takes its settings in deps and never imports src/config'),
  ...boundary(
    'gateway',
    { forbidden: ['protocols', 'discovery', 'mqtt', 'homeassistant', 'app', 'config'] },
    'The gateway gets drivers and records through core interfaces the root fills, and never names a protocol, discovery, publisher or config module',
  ),
  // The page's own scripts run in the browser (served as they are, no bundler).
  { files: ['src/web/assets/**/*.js'], languageOptions: { sourceType: 'module', globals: BROWSER_GLOBALS } },
  ...boundary(
    'doctor',
    { forbidden: ['gateway', 'homeassistant', 'app', 'jobs'] },
    'The doctor checks the surroundings with the discovery and protocol code; it never builds or starts the gateway',
  ),
  ...boundary('addon', { allowed: ['core', 'config'] }, 'The add-on entry maps Home Assistant options onto the gateway settings; it sees only src/core and src/config and runs the gateway as a process'),
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
);
