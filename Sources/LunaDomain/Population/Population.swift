/// A quarter as Danmarks Statistik writes it: `2024K1` is the first quarter
/// of 2024 (FOLK1A counts the population on its first day: 1 January).
public struct Quarter: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var year: Int
  public var quarter: Int

  public init(year: Int, quarter: Int) {
    self.year = year
    self.quarter = quarter
  }

  /// `2024K1` (also `2024k1`, `2024Q1`).
  public init?(_ text: String) {
    let t = Array(text.uppercased().filter { $0 != " " })
    guard t.count == 6, t[4] == "K" || t[4] == "Q", let y = Int(String(t[0..<4])), let q = Int(String(t[5])),
      (1...4).contains(q), (1900...2200).contains(y)
    else { return nil }
    year = y
    quarter = q
  }

  public var description: String { "\(year)K\(quarter)" }
  public static func < (a: Quarter, b: Quarter) -> Bool { (a.year, a.quarter) < (b.year, b.quarter) }
}

/// The population by kommune, quarter and age (Danmarks Statistik FOLK1A),
/// summed over sex and marital status.
///
///     let p: Population = ...
///     p.count(kommune: 851, quarter: Quarter(year: 2024, quarter: 1), ages: 0...17)
public struct Population: Sendable {
  public struct Key: Sendable, Hashable {
    public var kommune: Int
    public var quarter: Quarter
    public var age: Int
  }

  public private(set) var counts: [Key: Int64]

  public init(counts: [Key: Int64] = [:]) { self.counts = counts }

  /// Adds `n` inhabitants of `age` in `kommune` at `quarter`.
  public mutating func add(kommune: Int, quarter: Quarter, age: Int, _ n: Int64) {
    counts[Key(kommune: kommune, quarter: quarter, age: age), default: 0] += n
  }

  /// The quarters present, in order.
  public var quarters: [Quarter] { Set(counts.keys.map(\.quarter)).sorted() }

  /// The kommune codes present.
  public var kommuner: Set<Int> { Set(counts.keys.map(\.kommune)) }

  /// Inhabitants of `kommune` at `quarter` aged within `ages` (all ages
  /// when nil).
  public func count(kommune: Int, quarter: Quarter, ages: ClosedRange<Int>? = nil) -> Int64 {
    count(kommuner: [kommune], quarter: quarter, ages: ages)
  }

  /// Inhabitants of all of `kommuner` together.
  public func count(kommuner: Set<Int>, quarter: Quarter, ages: ClosedRange<Int>? = nil) -> Int64 {
    var n: Int64 = 0
    for (k, v) in counts where k.quarter == quarter && kommuner.contains(k.kommune) {
      if let ages, !ages.contains(k.age) { continue }
      n += v
    }
    return n
  }

  /// Whether `kommune` has any count at `quarter`.
  public func has(kommune: Int, quarter: Quarter) -> Bool {
    counts.keys.contains { $0.kommune == kommune && $0.quarter == quarter }
  }
}
