export { EmulatedUno, INFUSIM_BATTERY_CHANNEL, INFUSIM_PINS, UNO_CLOCK_HZ, UNO_PINS } from './emulated-uno.js';
export type { EmulatedUnoOptions, InfusimPinName, PinName, SerialListener } from './emulated-uno.js';
export { IntelHexError, parseIntelHex } from './intel-hex.js';
export { LineClient, parseFields } from './line-client.js';
export type { ByteTransport, RequestResult } from './line-client.js';
export { PtyBridge, PtyBridgeError } from './pty-bridge.js';
export type { PtyBridgeOptions } from './pty-bridge.js';
export { runUnoOnPty } from './run-uno.js';
export type { RunUnoOnPtyOptions, RunningUno } from './run-uno.js';
