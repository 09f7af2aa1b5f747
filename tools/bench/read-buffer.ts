/**
 * The one buffer every socket of a load process reads into (`net.connect`'s `onread`): no Buffer per read
 * and no stream machinery, which had made the generator, not the proxy, the larger cost per delivery. Its
 * bytes are valid only during the read callback: callers decode or copy what they keep (see
 * `ResponseFramer.feed`).
 */
export const READ_BUFFER = Buffer.alloc(64 * 1024);
