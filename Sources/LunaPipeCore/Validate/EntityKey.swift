import Foundation

/// An exact 128-bit key for a text value such as a patient id.
///
/// Texts of up to 16 bytes are packed into the key itself (bytes, then the
/// length in the last byte when shorter than 16), so two keys are equal
/// exactly when the texts are. Longer texts (up to the column's limit) are
/// interned once into a process-wide table and keyed by their number. Keys
/// never come from a hash: distinct counts over them are exact.
public struct EntityKey: Hashable, Sendable {
  /// The key's first 8 bytes: a short text's first 8 bytes (in memory
  /// order), or a long text's number in the process-wide table.
  public var lo: UInt64
  /// The key's last 8 bytes: a short text's bytes 9 to 16 (its length in
  /// the last byte when shorter than 16), or a long text's marker.
  public var hi: UInt64

  /// The key of these two words, taken as they are. Keys of text are made
  /// by the scan; this is for keys kept elsewhere and for tests.
  public init(lo: UInt64, hi: UInt64) {
    self.lo = lo
    self.hi = hi
  }

  /// The key of `bytes` (UTF-8, no control characters).
  @inline(__always)
  static func make(_ bytes: UnsafeRawBufferPointer) -> EntityKey {
    let n = bytes.count
    if n <= 16 {
      var k = EntityKey(lo: 0, hi: 0)
      withUnsafeMutableBytes(of: &k) { dst in
        dst.copyMemory(from: bytes)
        // Printable text never has a byte below 0x20, so a length marker
        // 1...15 in the last byte cannot clash with a 16-byte text.
        if n < 16 { dst[15] = UInt8(n) }
      }
      return k
    }
    return LongTextInterner.shared.key(for: bytes)
  }

  /// The key of a number (a distinct count or a dictionary code over a
  /// numeric column): marker 0x11 in the last byte, which no text key has.
  @inline(__always) static func number(_ v: Int64) -> EntityKey {
    EntityKey(lo: UInt64(bitPattern: v), hi: 0x11 << 56)
  }

  /// The text this key was made from (`make`), as UTF-8 bytes.
  var bytes: [UInt8] {
    if hi >> 56 == 0x10 { return LongTextInterner.shared.text(lo) }
    var k = self
    return withUnsafeBytes(of: &k) { raw in
      let n = raw[15] < 0x20 ? Int(raw[15]) : 16
      return Array(raw.prefix(n))
    }
  }

  /// A well-mixed 64-bit hash for open-addressing tables.
  @inline(__always) var mixed: UInt64 {
    var z = lo &* 0x9E37_79B9_7F4A_7C15 ^ (hi &+ 0x632B_E59B_D9B4_E019)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Numbers texts longer than 16 bytes. Rare in practice (patient keys are
/// short), so one lock is enough.
final class LongTextInterner: @unchecked Sendable {
  static let shared = LongTextInterner()
  private var table: [[UInt8]: UInt64] = [:]
  private var texts: [[UInt8]] = []
  private let lock = NSLock()

  /// The text numbered `id`.
  func text(_ id: UInt64) -> [UInt8] {
    lock.lock()
    defer { lock.unlock() }
    return texts[Int(id)]
  }

  func key(for bytes: UnsafeRawBufferPointer) -> EntityKey {
    let text = [UInt8](bytes)
    lock.lock()
    defer { lock.unlock() }
    let id: UInt64
    if let existing = table[text] {
      id = existing
    } else {
      id = UInt64(table.count)
      table[text] = id
      texts.append(text)
    }
    // Marker 0x10 in the last byte: not a length (1...15), not printable.
    return EntityKey(lo: id, hi: UInt64(0x10) << 56)
  }
}
