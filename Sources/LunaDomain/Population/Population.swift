import LunaPipeCore

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
///     try p.require(kommuner: [851], quarter: q, ages: 0...17, for: "the key")
///     p.count(kommune: 851, quarter: q, ages: 0...17)
///
/// A cell the extract does not give (Statistikbanken's `..`, or a blank
/// cell of a table with the quarters as columns) is `unknown`, never 0:
/// `count` leaves it out, so a table must `require` its cells first.
public struct Population: Sendable {
  public struct Key: Sendable, Hashable {
    public var kommune: Int
    public var quarter: Quarter
    public var age: Int

    public init(kommune: Int, quarter: Quarter, age: Int) {
      self.kommune = kommune
      self.quarter = quarter
      self.age = age
    }
  }

  /// A kommune at a quarter, all ages together.
  public struct KommuneQuarter: Sendable, Hashable {
    public var kommune: Int
    public var quarter: Quarter

    public init(kommune: Int, quarter: Quarter) {
      self.kommune = kommune
      self.quarter = quarter
    }
  }

  public private(set) var counts: [Key: Int64]
  /// Cells whose count the extract withholds, with the text it has instead
  /// (`..`, or "" for a blank cell), or whose record was rejected
  /// ("rejected as not-a-number").
  public private(set) var unknown: [Key: String]
  /// The kommuner's `Alder i alt` counts, where the extract has them: what
  /// the ages must sum to.
  public private(set) var allAges: [KommuneQuarter: Int64]

  /// `counts` by kommune and quarter, then age: what `count` sums, without
  /// a pass over every cell of the extract per call.
  private var byKommuneQuarter: [KommuneQuarter: [Int: Int64]] = [:]

  public init(counts: [Key: Int64] = [:], unknown: [Key: String] = [:], allAges: [KommuneQuarter: Int64] = [:]) {
    self.counts = counts
    self.unknown = unknown
    self.allAges = allAges
    for (k, v) in counts { byKommuneQuarter[KommuneQuarter(kommune: k.kommune, quarter: k.quarter), default: [:]][k.age] = v }
  }

  /// Adds `n` inhabitants of `age` in `kommune` at `quarter`.
  public mutating func add(kommune: Int, quarter: Quarter, age: Int, _ n: Int64) {
    counts[Key(kommune: kommune, quarter: quarter, age: age), default: 0] += n
    byKommuneQuarter[KommuneQuarter(kommune: kommune, quarter: quarter), default: [:]][age, default: 0] += n
  }

  /// Marks the count of `age` in `kommune` at `quarter` as withheld by the
  /// extract (`marker`: the cell's text, such as `..`).
  public mutating func markUnknown(kommune: Int, quarter: Quarter, age: Int, marker: String) {
    unknown[Key(kommune: kommune, quarter: quarter, age: age)] = marker
  }

  /// Records the extract's `Alder i alt` count of `kommune` at `quarter`.
  public mutating func setAllAges(kommune: Int, quarter: Quarter, _ n: Int64) {
    allAges[KommuneQuarter(kommune: kommune, quarter: quarter)] = n
  }

  /// The quarters with counts by age (known or not), in order.
  public var quarters: [Quarter] { Set(counts.keys.map(\.quarter)).union(unknown.keys.map(\.quarter)).sorted() }

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
    for k in kommuner {
      guard let byAge = byKommuneQuarter[KommuneQuarter(kommune: k, quarter: quarter)] else { continue }
      for (age, v) in byAge {
        if let ages, !ages.contains(age) { continue }
        n += v
      }
    }
    return n
  }

  /// Whether `kommune` has any count at `quarter`.
  public func has(kommune: Int, quarter: Quarter) -> Bool {
    counts.keys.contains { $0.kommune == kommune && $0.quarter == quarter }
  }

  /// How `quarter(requested:preferred:)` chose.
  public enum QuarterChoice: Sendable, Equatable {
    /// The quarter asked for.
    case requested
    /// The preferred quarter (the plan's), present in the extract.
    case preferred
    /// The latest quarter in the extract, which lacks the preferred one.
    case latest
  }

  /// The quarter to use: `requested` when given, else `preferred` when the
  /// extract has it, else the latest it has; nil when it has none.
  ///
  /// - Throws: `PipelineError.input` when the extract lacks `requested`.
  public func quarter(requested: Quarter?, preferred: Quarter) throws -> (quarter: Quarter, choice: QuarterChoice)? {
    let qs = quarters
    if let requested {
      guard qs.contains(requested) else {
        let held = qs.isEmpty ? "no counts by age" : "only " + qs.map(\.description).joined(separator: ", ")
        throw PipelineError.input("the population extract has no \(requested), the quarter asked for; it holds \(held)")
      }
      return (requested, .requested)
    }
    if qs.contains(preferred) { return (preferred, .preferred) }
    return qs.last.map { ($0, .latest) }
  }

  /// Checks that `count` is whole for each of `kommuner` at `quarter`:
  /// the kommune has counts at that quarter, and none of the ages it needs
  /// is withheld (`..`) or absent. With `ages`, every age in the range is
  /// needed; without (all ages), every age the extract has for any kommune
  /// at that quarter, and the ages must sum to the kommune's `Alder i alt`
  /// where the extract gives it.
  ///
  /// - Parameter purpose: what needs the counts, for the message
  ///   ("the tables per inhabitant").
  /// - Throws: `PipelineError.input` naming the first kommune, age and
  ///   quarter that fails, and how many more do.
  public func require(
    kommuner: [Int], quarter: Quarter, ages: ClosedRange<Int>? = nil, for purpose: String,
    geography: Geography = .denmark
  ) throws {
    func name(_ code: Int) -> String { geography.kommune(code: code)?.name ?? "kommune \(code)" }
    let present = Set(counts.keys.filter { $0.quarter == quarter }.map(\.age))
      .union(unknown.keys.filter { $0.quarter == quarter }.map(\.age))
    if present.isEmpty {
      throw PipelineError.input("the population extract has no counts by age for \(quarter); needed for \(purpose)")
    }
    let needed = ages.map(Array.init) ?? present.sorted()
    let presentKommuner = Set(counts.keys.filter { $0.quarter == quarter }.map(\.kommune))
      .union(unknown.keys.filter { $0.quarter == quarter }.map(\.kommune))
    var problems: [String] = []
    for k in kommuners(kommuner) {
      if !presentKommuner.contains(k) {
        problems.append("the population extract has no counts for \(name(k)) (\(k)) in \(quarter)")
        continue
      }
      var whole = true
      for age in needed {
        let key = Key(kommune: k, quarter: quarter, age: age)
        if let marker = unknown[key] {
          let shown = marker.isEmpty ? "blank" : marker.hasPrefix("rejected") ? "\(marker), see rejects.csv" : "`\(marker)`"
          problems.append("the population extract withholds the count for \(name(k)), age \(age), in \(quarter) (\(shown))")
          whole = false
        } else if counts[key] == nil {
          problems.append("the population extract has no count for \(name(k)), age \(age), in \(quarter)")
          whole = false
        }
      }
      if whole, ages == nil, let total = allAges[KommuneQuarter(kommune: k, quarter: quarter)] {
        let sum = count(kommune: k, quarter: quarter)
        if sum != total {
          problems.append(
            "the ages of \(name(k)) in \(quarter) sum to \(sum), but its Alder i alt says \(total): ages are missing from the extract or were rejected (see rejects.csv)"
          )
        }
      }
    }
    guard let first = problems.first else { return }
    let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
    throw PipelineError.input("\(first)\(more); needed for \(purpose)")
  }

  /// `codes` without repeats, in their order.
  private func kommuners(_ codes: [Int]) -> [Int] {
    var seen: Set<Int> = []
    return codes.filter { seen.insert($0).inserted }
  }
}
