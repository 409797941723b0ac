// The Kafka wire protocol: framing, headers, message layouts and codecs, record batches (no I/O).
export * from './api-keys.js';
export { ByteReader } from './byte-reader.js';
export { ByteWriter } from './byte-writer.js';
export {
  type DecodeOptions,
  decodeMessage,
  decodeMessagePrefix,
  encodeMessage,
  skipTaggedFields,
} from './codec.js';
export { KafkaErrorCode } from './error-codes.js';
export { type Frame, FrameSplitter, type FrameSplitterOptions } from './frame-splitter.js';
export { encodeRequestFrame, encodeResponseFrame } from './frames.js';
export { KafkaProtocolError, type KafkaProtocolErrorCode } from './kafka-protocol-error.js';
export * from './message-spec.js';
export * from './messages/index.js';
export * from './record-batch.js';
export * from './request-header.js';
export { sampleMessage } from './sample-message.js';
export * from './struct-access.js';
