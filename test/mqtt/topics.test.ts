import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { isValidFilter, topicMatches } from '../../src/mqtt/topic-match.js';
import { assertValidBaseTopic, createTopics } from '../../src/mqtt/topics.js';

describe('topicMatches', () => {
  const cases: [string, string, boolean][] = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a', false],
    ['+/+', '/x', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['s/+/scan', 's/office/scan', true],
    ['s/+/scan', 's/office/scan/x', false],
    ['s/bridge/request/#', 's/bridge/request/device/remove', true],
    ['a/b', 'a/b/', false],
  ];
  it.each(cases)('%s ~ %s = %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('an exact filter always matches its own topic', () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z0-9_$]{0,6}$/), { minLength: 1, maxLength: 6 }), (levels) => {
      const topic = levels.join('/');
      return topicMatches(topic, topic) && topicMatches(levels.map(() => '+').join('/'), topic) === !topic.startsWith('$');
    }));
  });

  it('validates filters', () => {
    for (const good of ['a', 'a/+/b', '#', 'a/#', '+', '/']) expect(isValidFilter(good)).toBe(true);
    for (const bad of ['', 'a/#/b', 'a#', 'a/b+', '+a', 'a\u0000']) expect(isValidFilter(bad)).toBe(false);
  });
});

describe('createTopics', () => {
  const t = createTopics('scan2mqtt');

  it('builds every topic of the contract table', () => {
    expect([t.bridgeState, t.bridgeInfo, t.bridgeDevices, t.bridgeEvent]).toEqual([
      'scan2mqtt/bridge/state', 'scan2mqtt/bridge/info', 'scan2mqtt/bridge/devices', 'scan2mqtt/bridge/event',
    ]);
    expect(t.bridgeRequest('device/remove')).toBe('scan2mqtt/bridge/request/device/remove');
    expect(t.bridgeResponse('health')).toBe('scan2mqtt/bridge/response/health');
    expect(t.bridgeRequestFilter).toBe('scan2mqtt/bridge/request/#');
    expect([t.scanner('office'), t.availability('office'), t.capabilities('office'), t.scan('office'), t.job('office'), t.cancel('office'), t.button('office')]).toEqual([
      'scan2mqtt/office', 'scan2mqtt/office/availability', 'scan2mqtt/office/capabilities', 'scan2mqtt/office/scan',
      'scan2mqtt/office/job', 'scan2mqtt/office/cancel', 'scan2mqtt/office/button',
    ]);
    expect(t.commandFilter('scan')).toBe('scan2mqtt/+/scan');
    expect(createTopics('home/scanners').job('x')).toBe('home/scanners/x/job');
  });

  it('parses command and request topics, ignoring the bridge level and anything else', () => {
    expect(t.parseCommand('scan2mqtt/office/scan')).toEqual({ scannerId: 'office', command: 'scan' });
    expect(t.parseCommand('scan2mqtt/office/cancel')).toEqual({ scannerId: 'office', command: 'cancel' });
    for (const other of ['scan2mqtt/bridge/scan', 'scan2mqtt/office/job', 'scan2mqtt/office', 'scan2mqtt//scan', 'other/office/scan', 'scan2mqtt/a/b/scan', 'scan2mqttx/a/scan']) {
      expect(t.parseCommand(other)).toBeUndefined();
    }
    expect(t.parseBridgeRequest('scan2mqtt/bridge/request/device/rename')).toBe('device/rename');
    expect(t.parseBridgeRequest('scan2mqtt/bridge/request/')).toBeUndefined();
    expect(t.parseBridgeRequest('scan2mqtt/bridge/request')).toBeUndefined();
    expect(t.parseBridgeRequest('scan2mqtt/bridge/response/devices')).toBeUndefined();
  });

  it('refuses base topics and ids that would break the topic tree', () => {
    for (const base of ['', 'a/', '/a', 'a//b', 'a/+', 'a/#']) expect(() => assertValidBaseTopic(base)).toThrow(ScanError);
    for (const id of ['', 'a/b', '+', '#', 'x#']) expect(() => t.scanner(id)).toThrow(ScanError);
  });
});
