export { SerialDevice } from './device.js';
export type { SerialDeviceOptions } from './device.js';
export { DeviceSession } from './deviceSession.js';
export type { DeviceClock, DeviceSessionOptions } from './deviceSession.js';
export { LinkError, SerialLink, fieldsOf, replyCode, replyId } from './link.js';
export type { LinkErrorKind, RequestResult, SerialLinkOptions } from './link.js';
export { haveSocat, startSocatPair, socatMissingMessage } from './socat.js';
export type { SocatPair } from './socat.js';
export { keepEveryPollWait } from './poller.js';
