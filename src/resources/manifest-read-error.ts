// A manifest path that could not be read, with a stable code and a message that says what to do.

export type ManifestReadErrorCode =
  | 'PORIN_ERR_MANIFEST_NOT_FOUND'
  | 'PORIN_ERR_MANIFEST_UNREADABLE'
  | 'PORIN_ERR_MANIFEST_URL'
  | 'PORIN_ERR_MANIFEST_STDIN';

export class ManifestReadError extends Error {
  override readonly name = 'ManifestReadError';

  constructor(
    readonly code: ManifestReadErrorCode,
    /** The path as the user gave it. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
