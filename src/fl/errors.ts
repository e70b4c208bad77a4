import { DgpError } from '../errors';

/**
 * The one error class for malformed wire messages (SPEC §6): truncation, corruption, a wrong
 * magic, version or kind, inconsistent counts, bad indices or values, and limits exceeded while
 * turning a message into dense arrays. The message names the layer and byte offset when known.
 * Bad arguments from the caller's own code stay TypeError / RangeError.
 */
export class DgpFormatError extends DgpError {
  constructor(message: string) {
    super(message);
  }
}
