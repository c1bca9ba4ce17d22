import Foundation

/// The bytes of a kept state, written: little-endian words, LEB128
/// variable-length whole numbers, length-prefixed texts. `finish()` ends
/// them with a checksum of everything before it.
struct StateWriter {
  private(set) var bytes: [UInt8] = []

  init(reserving n: Int = 1 << 16) { bytes.reserveCapacity(n) }

  mutating func u8(_ v: UInt8) { bytes.append(v) }

  mutating func u64(_ v: UInt64) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

  mutating func varint(_ v: UInt64) {
    var v = v
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  mutating func varint(_ v: Int) { varint(UInt64(v)) }

  mutating func raw(_ b: some Collection<UInt8>) { bytes.append(contentsOf: b) }

  mutating func text(_ s: String) {
    let utf8 = Array(s.utf8)
    varint(utf8.count)
    bytes.append(contentsOf: utf8)
  }

  /// An entity or dictionary value: a number, a short text (up to 16
  /// bytes; 16 lowercase hex digits in 8 bytes), or a long text by its
  /// bytes, never by the process-wide number it has in this run.
  mutating func entity(_ k: EntityKey) {
    let marker = k.hi >> 56
    if marker == 0x11 {
      u8(0x11)
      u64(k.lo)
      return
    }
    if marker == 0x10 {
      let b = k.bytes
      u8(0x12)
      varint(b.count)
      raw(b)
      return
    }
    var key = k
    withUnsafeBytes(of: &key) { raw in
      let n = raw[15] < 0x20 ? Int(raw[15]) : 16
      if n == 16, let packed = Self.hex(raw) {
        u8(0x13)
        u64(packed)
      } else {
        u8(UInt8(n))
        bytes.append(contentsOf: raw.prefix(n))
      }
    }
  }

  /// 16 lowercase hex digits as their 64-bit value, or nil.
  @inline(__always) private static func hex(_ raw: UnsafeRawBufferPointer) -> UInt64? {
    guard let a = hexWord(raw.loadUnaligned(as: UInt64.self)),
      let b = hexWord(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    else { return nil }
    return UInt64(a) << 32 | UInt64(b)
  }

  /// The value of 8 lowercase hex digits (the first in the lowest byte),
  /// or nil when a byte is none: all eight bytes tested at once.
  @inline(__always) private static func hexWord(_ w: UInt64) -> UInt32? {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    // Per byte: is it in '0'...'9', or in 'a'...'f'? (No byte has its high
    // bit set in either, so the additions below do not carry over.)
    guard w & high == 0 else { return nil }
    let digit = ((w &+ (0x80 - 0x30) &* ones) & ~(w &+ (0x80 - 0x3A) &* ones)) & high
    let letter = ((w &+ (0x80 - 0x61) &* ones) & ~(w &+ (0x80 - 0x67) &* ones)) & high
    guard digit | letter == high else { return nil }
    // Each byte's value: its low nibble, plus 9 for a letter.
    let nibbles = (w & 0x0F0F_0F0F_0F0F_0F0F) &+ (letter >> 7) &* 9
    var v: UInt32 = 0
    for i in 0..<8 { v = v << 4 | UInt32(truncatingIfNeeded: nibbles >> UInt64(8 * i) & 0xF) }
    return v
  }

  /// Appends the checksum of every byte so far: the state is complete.
  mutating func finish() { u64(StateChecksum.of(bytes[...])) }
}

/// Reads what `StateWriter` wrote; any read past the end, or a value that
/// cannot be, throws `StateDamaged`.
struct StateReader {
  let bytes: UnsafeRawBufferPointer
  var at = 0

  init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0) {
    self.bytes = bytes
    at = start
  }

  var atEnd: Bool { at == bytes.count }

  mutating func u8() throws -> UInt8 {
    guard at < bytes.count else { throw StateDamaged("ends early") }
    defer { at += 1 }
    return bytes[at]
  }

  mutating func u64() throws -> UInt64 {
    guard at + 8 <= bytes.count else { throw StateDamaged("ends early") }
    defer { at += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
  }

  mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

  mutating func varint() throws -> UInt64 {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let b = try u8()
      guard shift < 64 else { throw StateDamaged("a number runs on") }
      v |= UInt64(b & 0x7F) << shift
      if b < 0x80 { return v }
      shift += 7
    }
  }

  /// A varint that must be below `limit`.
  mutating func count(below limit: Int) throws -> Int {
    let v = try varint()
    guard v < UInt64(limit) else { throw StateDamaged("a count of \(v) where at most \(limit - 1) can be") }
    return Int(v)
  }

  mutating func raw(_ n: Int) throws -> UnsafeRawBufferPointer {
    guard n >= 0, at + n <= bytes.count else { throw StateDamaged("ends early") }
    defer { at += n }
    return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)])
  }

  mutating func text() throws -> String {
    let n = try count(below: bytes.count - at + 1)
    return String(decoding: try raw(n), as: UTF8.self)
  }

  mutating func entity() throws -> EntityKey {
    let tag = try u8()
    switch tag {
    case 0x11:
      return EntityKey.number(try i64())
    case 0x12:
      let n = try count(below: bytes.count - at + 1)
      return EntityKey.make(try raw(n))
    case 0x13:
      // 16 hex digits, first digit highest: the text's bytes in memory
      // order, as `EntityKey.make` packs a 16-byte text.
      let v = try u64()
      return EntityKey(lo: Self.hexWord(UInt32(truncatingIfNeeded: v >> 32)), hi: Self.hexWord(UInt32(truncatingIfNeeded: v)))
    case 0...16:
      return EntityKey.make(try raw(Int(tag)))
    default:
      throw StateDamaged("an entity tagged \(tag)")
    }
  }
}

extension StateReader {
  /// The 8 lowercase hex digits of `x`, first (highest) digit in the
  /// lowest byte.
  @inline(__always) static func hexWord(_ x: UInt32) -> UInt64 {
    // Each nibble to a byte, the lowest nibble lowest; then byte-swapped,
    // so that the first (highest) digit is the lowest byte.
    var v = UInt64(x)
    v = (v | v << 16) & 0x0000_FFFF_0000_FFFF
    v = (v | v << 8) & 0x00FF_00FF_00FF_00FF
    v = (v | v << 4) & 0x0F0F_0F0F_0F0F_0F0F
    v = v.byteSwapped
    // '0' + value, and 'a' - '0' - 10 more for the values 10 and up.
    let letters = ((v &+ 0x7676_7676_7676_7676) >> 7) & 0x0101_0101_0101_0101
    return v &+ 0x3030_3030_3030_3030 &+ letters &* 39
  }

}

/// A kept state that cannot be read as written: cut short, changed, from
/// another format.
struct StateDamaged: Error, CustomStringConvertible {
  let description: String
  init(_ why: String) { description = why }
}

/// A 64-bit checksum of bytes, eight at a time: enough to tell a state
/// damaged on disk (cut short, overwritten, bits flipped) from a whole one.
enum StateChecksum {
  static func of(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.withUnsafeBytes { of($0) }
  }

  static func of(_ raw: UnsafeRawBufferPointer, seed: UInt64 = 0x243F_6A88_85A3_08D3) -> UInt64 {
    var h = seed ^ UInt64(raw.count)
    var i = 0
    let n = raw.count
    while i + 8 <= n {
      let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
      h = (h ^ (w &* 0x9E37_79B9_7F4A_7C15)).rotatedLeft(27) &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < n {
      tail |= UInt64(raw[i]) << shift
      shift += 8
      i += 1
    }
    h = (h ^ (tail &* 0x9E37_79B9_7F4A_7C15)).rotatedLeft(27) &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 31
    h = h &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 29)
  }
}

extension UInt64 {
  @inline(__always) fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
