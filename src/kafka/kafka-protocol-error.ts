// The error every Kafka decoder throws on bytes that break the protocol: truncated, oversized, out of range.

export type KafkaProtocolErrorCode =
  | 'PORIN_ERR_KAFKA_TRUNCATED'
  | 'PORIN_ERR_KAFKA_MALFORMED'
  | 'PORIN_ERR_KAFKA_FRAME_TOO_LARGE'
  | 'PORIN_ERR_KAFKA_UNSUPPORTED';

export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
  constructor(
    readonly code: KafkaProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
