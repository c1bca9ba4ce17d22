// Seeded randomness for the samples. Everything here is integer arithmetic
// defined in this file, never SystemRandomNumberGenerator, `shuffle()` or
// `Int.random(in:)`: the standard library is free to change those algorithms
// between toolchains, and the samples must repeat byte for byte for a seed.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny state, good statistical
/// quality for sample data, and cheap to start many independent streams.
struct SplitMix64 {
  private var state: UInt64

  init(state: UInt64) { self.state = state }

  /// An independent stream for a tuple of labels: the same labels always
  /// give the same stream, so a patient's lines do not depend on how many
  /// other patients were generated before (which is what lets the small
  /// scale reproduce exactly the lines of the full one).
  init(_ labels: UInt64...) {
    var h: UInt64 = 0x6C75_6E61_7069_7065  // "lunapipe"
    for label in labels { h = Mix.bijective(h ^ Mix.bijective(label &+ 0x9E37_79B9_7F4A_7C15)) }
    self.state = h
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Mix.bijective(state)
  }

  /// Uniform in `0..<n` (Lemire's multiply-high; the bias is below 2^-50).
  mutating func below(_ n: Int) -> Int {
    precondition(n > 0)
    return Int(next().multipliedFullWidth(by: UInt64(n)).high)
  }

  /// Uniform in `range`.
  mutating func int(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + below(range.upperBound - range.lowerBound + 1)
  }

  /// True with probability `perMille` / 1000.
  mutating func chance(perMille: Int) -> Bool { below(1000) < perMille }

  /// An index drawn with probability proportional to `weights` (integers,
  /// at least one positive).
  mutating func weighted(_ weights: [Int], total: Int? = nil) -> Int {
    let sum = total ?? weights.reduce(0, +)
    var r = below(sum)
    for (i, w) in weights.enumerated() {
      if r < w { return i }
      r -= w
    }
    preconditionFailure("weights do not sum to \(sum)")
  }

  /// Fisher–Yates, spelled out so the order is ours and not the library's.
  mutating func shuffle<T>(_ a: inout [T]) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
      a.swapAt(i, below(i + 1))
    }
  }
}

enum Mix {
  /// The SplitMix64 finaliser. It is a bijection on UInt64 (xor-shifts and
  /// multiplications by odd constants are invertible), which is why patient
  /// ids made from distinct serials can never collide.
  @inline(__always)
  static func bijective(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
