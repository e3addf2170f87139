// Lint rules; the import restrictions enforce the architecture in STYLE.md:
// the MQTT and Home Assistant layers see only core types, and protocols/discovery
// never reach up into the publishers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const publisherBoundary = {
  patterns: [
    { group: ['**/protocols/**', '**/discovery/**', '**/gateway/**', '**/storage/**', '**/jobs/**'], message: 'The MQTT and Home Assistant layers see only src/core types (STYLE.md: Boundaries).' },
  ],
};
const driverBoundary = {
  patterns: [{ group: ['**/mqtt/**', '**/homeassistant/**'], message: 'Protocols and discovery never import the publishers (STYLE.md: Boundaries).' }],
};

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
  { files: ['src/mqtt/**/*.ts', 'src/homeassistant/**/*.ts'], rules: { 'no-restricted-imports': ['error', publisherBoundary] } },
  { files: ['src/protocols/**/*.ts', 'src/discovery/**/*.ts'], rules: { 'no-restricted-imports': ['error', driverBoundary] } },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
);
