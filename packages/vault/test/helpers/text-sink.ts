import { Writable } from 'node:stream';

/** A writable stream that keeps everything written to it in `text` (CLI output in unit tests). */
export function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _enc, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}
