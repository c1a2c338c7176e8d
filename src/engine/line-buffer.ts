import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a stream of bytes into lines as they arrive. The decoder keeps a character whose bytes are split
 * between two chunks whole (a step's output in UTF-8 often is), which `chunk.toString()` would mangle.
 */
export class LineBuffer {
  private readonly decoder = new StringDecoder('utf8');
  private buffered = '';

  constructor(private readonly onLine: (line: string) => void) {}

  feed(chunk: Buffer | string): void {
    this.buffered += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.onLine(line);
      newline = this.buffered.indexOf('\n');
    }
  }

  /** The last line, when the stream did not end with a newline. */
  end(): void {
    const rest = this.buffered + this.decoder.end();
    this.buffered = '';
    if (rest.trim()) this.onLine(rest);
  }
}
