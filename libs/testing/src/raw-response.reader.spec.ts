import { RawResponseReader } from './raw-response.reader';

/** Feeds `wire` in pieces of `size` bytes, as a socket may deliver it. */
function read(wire: string, size: number, method = 'GET', closed = false) {
  const reader = new RawResponseReader(method);
  const bytes = Buffer.from(wire, 'latin1');
  for (let at = 0; at < bytes.length; at += size) reader.feed(bytes.subarray(at, at + size));
  return { done: reader.done, ...reader.result(closed) };
}

const CHUNKED = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Rows\r\n\r\n5\r\nhello\r\n4\r\n\r\n0\r\r\n0\r\nX-Rows: 2\r\n\r\n';

describe('RawResponseReader', () => {
  it.each([1, 2, 3, 7, 1000])('should read a chunked body and its trailers delivered %i bytes at a time', (size) => {
    expect(read(CHUNKED, size)).toMatchObject({ done: true, status: 200, interim: [100], body: Buffer.from('hello\r\n0\r'), bodyBytes: 9, trailers: { 'x-rows': '2' }, complete: true });
  });

  it('should read a body by its Content-Length, and a close-delimited one only once the connection ends', () => {
    expect(read('HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope', 3)).toMatchObject({ done: true, status: 404, body: Buffer.from('nope'), complete: true });
    expect(read('HTTP/1.1 200 OK\r\n\r\npart', 2)).toMatchObject({ done: false, complete: false });
    expect(read('HTTP/1.1 200 OK\r\n\r\npart', 2, 'GET', true)).toMatchObject({ status: 200, body: Buffer.from('part'), complete: true });
  });

  it('should take a HEAD answer as complete at its head, and say when no response came at all', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 5, 'HEAD')).toMatchObject({ done: true, status: 200, complete: true });
    expect(read('', 1, 'GET', true)).toMatchObject({ status: 0, complete: false });
  });
});
