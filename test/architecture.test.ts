/**
 * The layer boundaries and the file size limit are ESLint rules (eslint.config.js); these tests
 * lint tiny fixtures placed (virtually) in each layer, so a rule that stops matching fails here
 * instead of silently letting the architecture erode.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '..') });

/** The rule ids that fire on `code` as if it were the file at `path`. */
async function firing(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(import.meta.dirname, '..', path) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const importing = (specifier: string) => `import { x } from '${specifier}';\nexport const y = x;\n`;

describe('architecture rules', () => {
  it.each([
    ['src/protocols/escl/fixture.ts', '../../mqtt/topics.js'],
    ['src/protocols/escl/fixture.ts', '../../discovery/registry.js'],
    ['src/protocols/sane/discovery/fixture.ts', '../../../storage/target.js'],
    ['src/protocols/fixture.ts', '../gateway/gateway.js'],
    ['src/discovery/wsd/fixture.ts', '../../protocols/wsd/client.js'],
    ['src/discovery/fixture.ts', '../jobs/scan-job.js'],
    ['src/mqtt/fixture.ts', '../config/redact.js'],
    ['src/mqtt/fixture.ts', '../homeassistant/publisher.js'],
    ['src/homeassistant/fixture.ts', '../mqtt/topics.js'],
    ['src/homeassistant/fixture.ts', '../gateway/gateway.js'],
    ['src/core/fixture.ts', '../jobs/scan-job.js'],
    ['src/core/fixture.ts', '../xml/namespaced-xml.js'],
    ['src/core/fixture.ts', '../http/bounded-body.js'],
    ['src/http/fixture.ts', '../protocols/escl/http.js'],
    ['src/log/fixture.ts', '../config/load.js'],
    ['src/gateway/fixture.ts', '../discovery/registry.js'],
    ['src/gateway/fixture.ts', '../protocols/index.js'],
    ['src/gateway/fixture.ts', '../mqtt/bridge.js'],
    ['src/escl-server/fixture.ts', '../protocols/sane/driver.js'],
    ['src/escl-server/fixture.ts', '../gateway/gateway.js'],
    ['src/escl-server/fixture.ts', '../storage/documents/pdf-writer.js'],
    ['src/escl-server/fixture.ts', '../mqtt/bridge.js'],
    ['src/web/fixture.ts', '../storage/target.js'],
    ['src/web/fixture.ts', '../gateway/gateway.js'],
    ['src/library/fixture.ts', '../web/api.js'],
    ['src/library/fixture.ts', '../config/load.js'],
    ['src/doctor/fixture.ts', '../app/gateway-app.js'],
    ['src/doctor/fixture.ts', '../homeassistant/publisher.js'],
    ['src/addon/fixture.ts', '../app/gateway-app.js'],
  ])('%s may not import %s', async (path, specifier) => {
    expect(await firing(path, importing(specifier))).toEqual(['no-restricted-imports']);
  });

  it.each([
    ['src/protocols/wsd/fixture.ts', '../../core/errors.js'],
    ['src/protocols/wsd/fixture.ts', '../../xml/namespaced-xml.js'],
    ['src/protocols/escl/fixture.ts', '../../http/bounded-body.js'],
    ['src/http/fixture.ts', '../core/errors.js'],
    ['src/protocols/sane/fixture.ts', '../../imaging/png-format.js'],
    ['src/protocols/sane/discovery/fixture.ts', '../driver.js'],
    ['src/protocols/fixture.ts', './escl/module.js'],
    ['src/discovery/wsd/fixture.ts', '../../xml/namespaced-xml.js'],
    ['src/discovery/fixture.ts', './registry-entry.js'],
    ['src/mqtt/fixture.ts', '../core/redact.js'],
    ['src/core/fixture.ts', './errors.js'],
    ['src/log/fixture.ts', '../core/trace.js'],
    ['src/gateway/fixture.ts', '../jobs/job-queue.js'],
    ['src/app/fixture.ts', '../protocols/index.js'],
    ['src/escl-server/fixture.ts', '../protocols/escl/server-status.js'],
    ['src/escl-server/fixture.ts', '../core/gateway-api.js'],
    ['src/escl-server/dns-sd/fixture.ts', '../advert.js'],
    ['src/web/fixture.ts', '../core/gateway-api.js'],
    ['src/web/fixture.ts', '../imaging/sharp-loader.js'],
    ['src/escl-server/fixture.ts', '../imaging/sharp-loader.js'],
    ['src/library/fixture.ts', '../storage/target-set.js'],
    ['src/doctor/fixture.ts', '../discovery/mdns/mdns-links.js'],
    ['src/doctor/fixture.ts', '../protocols/wsd/discovery/codec.js'],
    ['src/addon/fixture.ts', '../core/errors.js'],
  ])('%s may import %s', async (path, specifier) => {
    expect(await firing(path, importing(specifier))).toEqual([]);
  });

  it('limits a source file to 300 lines of code, not counting blank lines and comments', async () => {
    const statements = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n');
    expect(await firing('src/jobs/fixture.ts', statements(301))).toEqual(['max-lines']);
    const padded = `${statements(300)}\n${Array.from({ length: 50 }, () => '// why, not what\n').join('\n')}`;
    expect(await firing('src/jobs/fixture.ts', padded)).toEqual([]);
    expect(await firing('test/fixture.test.ts', statements(400))).toEqual([]);
  });
});
