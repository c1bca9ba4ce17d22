internal import CLunaShims

/// An entity key in 8 bytes and one bit, when it fits: the form the
/// entity sets keep it in (`EntityShard`), so that an entity's entry takes
/// 16 bytes, four to a cache line.
///
/// `EntityKey` is 16 bytes: a text of up to 16 bytes as it is, a longer
/// one by its number. The keys of real extracts mostly need half of that:
/// - a text of 16 lower-case hexadecimal digits (a patient id, a hash) is
///   its value (kind 0);
/// - a text of 1 to 8 bytes is its bytes (kind 1): texts hold no zero
///   byte, so its length is where its zero padding starts.
///
/// Every other key (a text of 9 to 15 bytes, or of 16 that are not all
/// lower-case hex digits, a long text's number, a number) has no compact
/// form. The mapping is one to one and `expand` gives the key back
/// exactly, so a key is in the compact table or in the wide one, never
/// both.
enum CompactEntity {
  /// The kind of a text of 16 lower-case hexadecimal digits.
  static let hex: UInt32 = 0
  /// The kind of a text of 1 to 8 bytes.
  static let short: UInt32 = 1

  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highBits: UInt64 = 0x8080_8080_8080_8080

  /// The compact form of `k` (its 8 bytes and kind), or nil.
  @inline(__always) static func compact(_ k: EntityKey) -> (key: UInt64, kind: UInt32)? {
    let n = k.hi >> 56
    if k.hi & 0x00FF_FFFF_FFFF_FFFF == 0 && n &- 1 < 8 && textLength(k.lo) == n { return (k.lo, short) }
    guard n >= 0x20 else { return nil }
    // `hexValue` of both words, 16 bytes at a time (`luna_hex16`).
    let h = luna_hex16(k.lo, k.hi)
    return h.ok != 0 ? (h.value, hex) : nil
  }

  /// The key whose compact form is (`key`, `kind`).
  static func expand(_ key: UInt64, kind: UInt32) -> EntityKey {
    if kind == short { return EntityKey(lo: key, hi: textLength(key) << 56) }
    return EntityKey(lo: hexText(UInt32(truncatingIfNeeded: key >> 32)), hi: hexText(UInt32(truncatingIfNeeded: key)))
  }

  /// Where a compact key's probe starts (SplitMix64's finalizer: every
  /// input bit moves every output bit).
  @inline(__always) static func hash(_ key: UInt64, kind: UInt32) -> UInt64 {
    var z = key &+ UInt64(kind) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The bytes before the zero padding of a short text's word (memory
  /// order: the text in the low bytes).
  @inline(__always) static func textLength(_ w: UInt64) -> UInt64 {
    UInt64(64 &- w.leadingZeroBitCount &+ 7) / 8
  }

  /// The value of 8 lower-case hex digits in memory order (the first the
  /// most significant), or nil when `x` holds another byte: what `compact`
  /// reads two of at once through `luna_hex16`, and its tests' reference.
  /// Byte-parallel: each byte's range checks are additions whose carry
  /// lands in its own top bit (every byte is below 0x80 by then).
  @inline(__always) static func hexValue(_ x: UInt64) -> UInt64? {
    if x & highBits != 0 { return nil }
    let atLeast0 = x &+ ones &* (0x80 - 0x30)
    let above9 = x &+ ones &* (0x7F - 0x39)
    let atLeastA = x &+ ones &* (0x80 - 0x61)
    let aboveF = x &+ ones &* (0x7F - 0x66)
    guard ((atLeast0 & ~above9) | (atLeastA & ~aboveF)) & highBits == highBits else { return nil }
    // '0'...'9' → 0...9 (bit 6 clear); 'a'...'f' → 1...6 + 9 (bit 6 set).
    let n = (x & (ones &* 0x0F)) &+ ((x >> 6) & ones) &* 9
    // Nibbles (one a byte, first in the low byte) → 32 bits, first on top.
    let pairs = ((n << 4) | (n >> 8)) & 0x00FF_00FF_00FF_00FF
    let quads = ((pairs << 8) | (pairs >> 16)) & 0x0000_FFFF_0000_FFFF
    return ((quads << 16) | (quads >> 32)) & 0xFFFF_FFFF
  }

  /// The 8 lower-case hex digits of `v` as `hexValue` reads them.
  static func hexText(_ v: UInt32) -> UInt64 {
    var x: UInt64 = 0
    for i in 0..<8 {
      let d = UInt64((v >> UInt32(28 - 4 * i)) & 0xF)
      x |= (d < 10 ? 0x30 + d : 0x61 - 10 + d) << UInt64(8 * i)
    }
    return x
  }
}
