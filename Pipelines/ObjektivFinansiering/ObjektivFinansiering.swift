import LunaDomain
import LunaPipeCore

/// Objektiv finansiering: an amount (a joint institution's budget, such as
/// Børnehus Nord's) allocated over the kommuner of a region by a population
/// key, the number of 0–17-year-olds on 1 January of the year before the
/// budget year, in whole kroner that sum exactly to the amount.
///
///     let p = ObjektivFinansiering.pipeline(
///       befolkning: "befolkning.csv", amounts: [(2025, 15_789_200), (2024, 8_868_800)])
///
/// writes `tables/budget-objektiv-finansiering.csv` in the published
/// schema: `kommune,antal_0_17_aar_2024,objektiv_finansiering_2025,
/// antal_0_17_aar_2023,objektiv_finansiering_2024,aendring_antal_0_17_aar,
/// aendring_objektiv_finansiering`, a first row with the amounts, one row
/// per kommune and an `I alt` row (the change columns when two years are
/// given: newest minus the other).
public enum ObjektivFinansiering {
  public static let name = "objektiv-finansiering"
  public static let ages: ClosedRange<Int> = 0...17

  /// How shares are rounded to whole kroner.
  public enum Method: String, Sendable, CaseIterable {
    /// As the published allocation: each share rounded half away from
    /// zero, the rounding residual put on the kommune with the largest key.
    case published
    /// Hamilton's method: each share rounded down, the kroner left over
    /// given one each to the largest remainders (ties: larger key, then
    /// the kommune's place in the table).
    case largestRemainder = "largest-remainder"
  }

  /// `amount` split in proportion to `keys`, in whole units summing exactly
  /// to `amount`.
  ///
  ///     allocate(10, keys: [1, 1, 1], method: .published)          // [4, 3, 3]
  ///     allocate(10, keys: [1, 2, 2], method: .largestRemainder)   // [2, 4, 4]
  ///
  /// (Published: 10/3 rounds to 3 each and the residual 1 goes to the first
  /// of the largest keys.)
  /// - Precondition: `amount` ≥ 0, keys ≥ 0 with a positive sum.
  public static func allocate(_ amount: Int64, keys: [Int64], method: Method) -> [Int64] {
    let total = Int128(keys.reduce(0, +))
    precondition(total > 0 && amount >= 0 && keys.allSatisfy { $0 >= 0 })
    let a = Int128(amount)
    switch method {
    case .published:
      var shares = keys.map { k -> Int64 in Int64((2 * a * Int128(k) + total) / (2 * total)) }
      let largest = keys.indices.max { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 > $1) }!
      shares[largest] += amount - shares.reduce(0, +)
      return shares
    case .largestRemainder:
      var shares = keys.map { Int64(a * Int128($0) / total) }
      let remainders = keys.map { a * Int128($0) % total }
      let order = keys.indices.sorted {
        remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1]
          : keys[$0] != keys[$1] ? keys[$0] > keys[$1] : $0 < $1
      }
      let left = Int(amount - shares.reduce(0, +))
      for i in order.prefix(left) { shares[i] += 1 }
      return shares
    }
  }

  /// The allocation table for budget years and their amounts (any order;
  /// printed newest first).
  public static func table(
    _ population: Population, amounts: [(year: Int, amount: Int64)], region: Int, method: Method
  ) throws -> Table {
    let years = amounts.sorted { $0.year > $1.year }
    guard !years.isEmpty else { throw PipelineError.configuration("give at least one amount (--amount YEAR=KR)") }
    let kommuner = Geography.denmark.kommuner(inRegion: region, year: years[0].year - 1)
    guard !kommuner.isEmpty else { throw PipelineError.configuration("region \(region) has no kommuner") }
    var keys: [[Int64]] = []
    var shares: [[Int64]] = []
    for y in years {
      let q = keyQuarter(budgetYear: y.year)
      if let k = kommuner.first(where: { !population.has(kommune: $0.code, quarter: q) }) {
        throw PipelineError.input(
          "the population extract has no counts for \(k.name) in \(q) (1 January \(y.year - 1)), the key of the \(y.year) allocation"
        )
      }
      // Every 0–17 age of every kommune known: a withheld (`..`) or
      // missing count stops the run rather than lowering a kommune's key.
      try population.require(
        kommuner: kommuner.map(\.code), quarter: q, ages: ages, for: "the key of the \(y.year) allocation")
      let key = kommuner.map { population.count(kommune: $0.code, quarter: q, ages: ages) }
      guard key.reduce(0, +) > 0 else {
        throw PipelineError.input("no 0–17-year-olds in \(q) in region \(region): nothing to allocate by")
      }
      keys.append(key)
      shares.append(allocate(y.amount, keys: key, method: method))
    }
    func int(_ n: Int64) -> Table.Cell { .number(Rational(n), decimals: 0) }
    let change = years.count == 2
    var header = ["kommune"]
    for y in years { header += ["antal_0_17_aar_\(y.year - 1)", "objektiv_finansiering_\(y.year)"] }
    if change { header += ["aendring_antal_0_17_aar", "aendring_objektiv_finansiering"] }

    var rows: [[Table.Cell]] = []
    rows.append([.text("Samlet beløb til fordeling")] + years.flatMap { [.empty, int($0.amount)] } + (change ? [.empty, .empty] : []))
    func row(_ label: String, _ k: [Int64], _ s: [Int64]) -> [Table.Cell] {
      var r: [Table.Cell] = [.text(label)]
      for j in years.indices { r += [int(k[j]), int(s[j])] }
      if change { r += [int(k[0] - k[1]), int(s[0] - s[1])] }
      return r
    }
    for (i, k) in kommuner.enumerated() {
      rows.append(row(k.name, keys.map { $0[i] }, shares.map { $0[i] }))
    }
    rows.append(row("I alt", keys.map { $0.reduce(0, +) }, shares.map { $0.reduce(0, +) }))
    let regionName = Geography.denmark.region(code: region)?.name ?? "region \(region)"
    return Table(
      id: "budget-objektiv-finansiering",
      title:
        "Objektiv finansiering: fordeling på kommunerne i \(regionName) efter antal 0-17-årige pr. 1. januar (\(method.rawValue))",
      header: header, rows: rows)
  }

  /// The key quarter of a budget year: 1 January of the year before.
  public static func keyQuarter(budgetYear: Int) -> Quarter { Quarter(year: budgetYear - 1, quarter: 1) }

  /// The pipeline: read the population, allocate, emit (the Danish way:
  /// `TableStyle.danish`).
  ///
  /// The key's quarter follows from each budget year; `populationQuarter`
  /// (`--befolkning-tid`) may only confirm it: given, it must be the key
  /// quarter of every amount, else the run stops with
  /// `PipelineError.configuration` before anything is read.
  public static func pipeline(
    befolkning: String, amounts: [(year: Int, amount: Int64)], region: Int = 1081, method: Method = .published,
    populationQuarter: Quarter? = nil
  ) -> Pipeline<Void, [Table]> {
    Pipeline(name)
      .map("befolkning") { _, context in
        if let q = populationQuarter, let y = amounts.first(where: { keyQuarter(budgetYear: $0.year) != q }) {
          let keys = amounts.map { "\(keyQuarter(budgetYear: $0.year)) for \($0.year)" }.joined(separator: ", ")
          throw PipelineError.configuration(
            "--befolkning-tid \(q) does not fit objektiv-finansiering: the key of the \(y.year) allocation is the 0-17-year-olds on 1 January \(y.year - 1) (keys: \(keys)); leave the option out"
          )
        }
        return try PopulationReader.read(befolkning, in: context)
      }
      .map("allocate") { population, _ in
        [try table(population, amounts: amounts, region: region, method: method)]
      }
      .emit(style: .danish)
  }
}
