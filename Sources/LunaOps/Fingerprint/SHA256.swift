internal import CCrypto
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// SHA-256 through OpenSSL's libcrypto (hardware-accelerated where the CPU
/// has SHA extensions: about 2 GB/s, so hashing a national extract costs
/// about a second).
public struct SHA256Digest {
  private let ctx: OpaquePointer

  /// A fresh digest context. Each digest is used once: `update` any number
  /// of times, then `finish` once (which frees the context; the value must
  /// not be used after it, nor copied and finished twice).
  public init() {
    ctx = EVP_MD_CTX_new()
    EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
  }

  /// Adds `bytes` to the digest.
  public func update(_ bytes: UnsafeRawBufferPointer) {
    if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
  }

  /// The digest as 64 lowercase hex digits; the context is freed.
  public func finish() -> String {
    var out = [UInt8](repeating: 0, count: 32)
    var n: UInt32 = 0
    EVP_DigestFinal_ex(ctx, &out, &n)
    EVP_MD_CTX_free(ctx)
    return Self.hex(out)
  }

  /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
  public static func hex(of bytes: [UInt8]) -> String {
    let d = SHA256Digest()
    bytes.withUnsafeBytes { d.update($0) }
    return d.finish()
  }

  /// The SHA-256 of the file at `path`, read in 4 MiB blocks.
  public static func hex(ofFile path: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw FingerprintError("\(path): cannot open (\(String(cString: strerror(errno))))") }
    defer { close(fd) }
    return try hex(ofDescriptor: fd, path: path)
  }

  /// The SHA-256 of what the open file `fd` holds from its current offset
  /// to its end, read in 4 MiB blocks (`path` names it in errors).
  public static func hex(ofDescriptor fd: Int32, path: String) throws -> String {
    let size = 4 << 20
    let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    defer { buf.deallocate() }
    let d = SHA256Digest()
    while true {
      let n = read(fd, buf, size)
      if n < 0 {
        if errno == EINTR { continue }
        let message = String(cString: strerror(errno))
        _ = d.finish()
        throw FingerprintError("\(path): read failed (\(message))")
      }
      if n == 0 { break }
      d.update(UnsafeRawBufferPointer(start: buf, count: n))
    }
    return d.finish()
  }

  private static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var s = [UInt8]()
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
      s.append(digits[Int(b >> 4)])
      s.append(digits[Int(b & 15)])
    }
    return String(decoding: s, as: UTF8.self)
  }
}

/// An input that cannot be fingerprinted: it vanished, or cannot be opened
/// or read. The command exits 66 (`RunExit.input`).
public struct FingerprintError: Error, CustomStringConvertible {
  /// The path and what went wrong.
  public var description: String
  /// An error with the message `d`.
  public init(_ d: String) { description = d }
}
