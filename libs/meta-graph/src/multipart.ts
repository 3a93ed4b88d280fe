import { randomBytes } from 'node:crypto';

/** A `multipart/form-data` body produced while it is sent, with its exact length known up front. */
export interface MultipartBody {
  contentType: string;
  length: number;
  body: AsyncIterable<Uint8Array>;
  /** The error of the file's own stream, when that is what ended the request (not the server or network). */
  sourceError(): unknown;
}

export interface MultipartFile {
  name: string;
  filename: string;
  contentType: string;
  size: number;
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** As the HTML form encoder escapes names: quotes and line breaks would end the header. */
const escapeName = (value: string): string => value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');

/**
 * Text fields, then one file streamed in between its part header and the closing boundary; the
 * length is the file's declared size plus the framing, so the server gets a Content-Length rather
 * than a chunked body. A file that yields more or fewer bytes than declared fails the body.
 */
export function multipartBody(fields: Record<string, string>, file: MultipartFile): MultipartBody {
  const boundary = `----MetaGraphFormBoundary${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value}\r\n`,
      )
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(file.name)}"; ` +
      `filename="${escapeName(file.filename)}"\r\nContent-Type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let failure: unknown;

  async function* body(): AsyncGenerator<Uint8Array> {
    yield head;
    let sent = 0;
    try {
      for await (const chunk of file.stream) {
        sent += chunk.length;
        if (sent > file.size) {
          throw new Error(`The file to upload has more than the ${file.size} bytes declared`);
        }
        yield chunk;
      }
    } catch (error) {
      failure = error;
      throw error;
    }
    if (sent !== file.size) {
      failure = new Error(`The file to upload ended after ${sent} of the ${file.size} bytes declared`);
      throw failure;
    }
    yield tail;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + file.size + tail.length,
    body: body(),
    sourceError: () => failure,
  };
}
