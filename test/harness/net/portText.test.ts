/**
 * One reading of ports and host:port for every flag. The oracle is the port field itself: 16 bits
 * (0 to 65535), where 0 asks the OS for any free port when listening and is no address to connect to.
 */
import { describe, expect, it } from 'vitest';
import { portRule, readHostPort, readPort } from '../../../src/harness/net/portText.js';
import { hostPortOption, portOption } from '../../../src/harness/cli/portOptions.js';

describe('readPort', () => {
  it.each([
    ['0', 'listen', 0],
    ['0', 'connect', undefined],
    ['1', 'connect', 1],
    ['65535', 'listen', 65535],
    ['65536', 'listen', undefined],
    ['99999', 'connect', undefined],
    ['-1', 'listen', undefined],
    ['80.5', 'connect', undefined],
    ['1e3', 'connect', undefined],
    [' 80', 'connect', undefined],
    ['0x50', 'connect', undefined],
    ['', 'listen', undefined],
    ['000080', 'connect', undefined],
  ] as const)('%j for %s is %s', (text, use, expected) => {
    expect(readPort(text, use)).toBe(expected);
  });
});

describe('readHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6', () => {
    expect(readHostPort('engine.example:2575')).toEqual({ host: 'engine.example', port: 2575 });
    expect(readHostPort('127.0.0.1:1')).toEqual({ host: '127.0.0.1', port: 1 });
    expect(readHostPort('[::1]:6514')).toEqual({ host: '::1', port: 6514 });
  });
  it.each(['no-port-here', 'host:', ':2575', 'host:0', 'host:65536', '::1:80', 'a b:80', 'host:80/x'])('refuses %j', (text) => {
    expect(readHostPort(text)).toBeUndefined();
  });
});

describe('the command-line wording', () => {
  it('names the flag, the rule and what was given', () => {
    expect(() => portOption('--port', 'listen')('70000')).toThrow('--port: a port is 0 (any free port) to 65535, got "70000"');
    expect(() => portOption('--broker-port', 'listen')('x')).toThrow('--broker-port: a port is 0 (any free port) to 65535, got "x"');
    expect(() => hostPortOption('--hl7', 'an HL7 engine')('h:0')).toThrow('--hl7 takes host:port of an HL7 engine (a port is 1 to 65535), got "h:0"');
    expect(portRule('connect')).toBe('a port is 1 to 65535');
  });
});
