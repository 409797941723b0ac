// Newline-delimited JSON over a stream socket, with a line-length limit (the feed's framing, both ends).
import type { Socket } from 'node:net';

export interface LineReader {
  /** Bytes held for an unfinished line. */
  readonly pending: number;
}

/**
 * Calls onLine for every complete line; a line longer than maxLine calls onOverflow once and the socket
 * is destroyed (the peer is not speaking the protocol).
 */
export function readLines(
  socket: Socket,
  maxLine: number,
  onLine: (line: string) => void,
  onOverflow: () => void,
): LineReader {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim().length > 0) onLine(line);
      if (socket.destroyed) return;
      i = buf.indexOf('\n');
    }
    if (buf.length > maxLine) {
      buf = '';
      onOverflow();
      socket.destroy();
    }
  });
  return {
    get pending() {
      return buf.length;
    },
  };
}

/** Writes one message as a line; false when the socket is gone. */
export function writeLine(socket: Socket, message: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(message)}\n`);
  return true;
}
