import LunaPipeCore

/// A level at which claims measures are reported: a name, and the code a
/// finest-grain key of `LunaClaims.aggregation` rolls up to (a kommune or a
/// region code), or nil to leave the key out.
public struct ClaimsLevel: Sendable {
  public let name: String
  public let key: @Sendable ([Int64]) -> Int64?

  public init(name: String, key: @escaping @Sendable ([Int64]) -> Int64?) {
    self.name = name
    self.key = key
  }

  /// The clinic's kommune (YderKommune).
  public static let yderKommune = ClaimsLevel(name: "yderkommune") { $0[2] }
  /// The patient's kommune (PatientKommune).
  public static let patientKommune = ClaimsLevel(name: "patientkommune") { $0[3] }

  /// Producerende region: the clinic's region in the year of the service.
  public static func yderRegion(_ geography: Geography = .denmark) -> ClaimsLevel {
    ClaimsLevel(name: "yderregion") { k in
      geography.region(ofKommune: Int(k[2]), year: Int(k[0])).map { Int64($0.code) }
    }
  }

  /// Forbrugende region: the patient's region in the year of the service.
  public static func patientRegion(_ geography: Geography = .denmark) -> ClaimsLevel {
    ClaimsLevel(name: "patientregion") { k in
      geography.region(ofKommune: Int(k[3]), year: Int(k[0])).map { Int64($0.code) }
    }
  }

  /// The levels of the peer benchmark's job, in its order.
  public static func peerBenchmark(_ geography: Geography = .denmark) -> [ClaimsLevel] {
    [patientKommune, yderKommune, yderRegion(geography)]
  }

  /// Every level: kommune and region, by patient and by clinic.
  public static func all(_ geography: Geography = .denmark) -> [ClaimsLevel] {
    [patientKommune, patientRegion(geography), yderKommune, yderRegion(geography)]
  }
}

/// Stage: writes the claims measures in tidy form, for machines:
/// `aggregates.csv` (`niveau,Aar,Speciale,Kode,ydelser,udgift,patienter`,
/// ordered by niveau, Speciale, Kode, Aar) and `growth.csv` (first to last
/// year of the data, growth in percent with 4 decimals, empty when the base
/// is 0 or missing). Passes the aggregate on, so tables can follow.
public struct TidyAggregates: Stage {
  public let label = "tidy-aggregates"
  public let levels: [ClaimsLevel]

  public init(levels: [ClaimsLevel]) { self.levels = levels }

  public func run(_ result: AggregateResult, in context: RunContext) throws -> AggregateResult {
    var agg = "niveau,Aar,Speciale,Kode,ydelser,udgift,patienter\n"
    var growth =
      "niveau,Speciale,Kode,foerste_aar,sidste_aar,ydelser_foerste,ydelser_sidste,ydelser_vaekst_pct,udgift_foerste,udgift_sidste,udgift_vaekst_pct,patienter_foerste,patienter_sidste,patienter_vaekst_pct\n"
    let years = result.keyValues(LunaClaims.KeyIndex.aar)
    guard let first = years.min(), let last = years.max() else {
      try write(context, agg, growth)
      return result
    }
    // key: [Speciale, Kode, Aar]
    let rolled = result.sharedRollups(
      levels.map { level in { k in level.key(k).map { [k[1], $0, k[0]] } } }, threads: context.options.threads)
    for (level, groups) in zip(levels, rolled) {
      // The level's name is the one text field; the rest are numbers.
      let name = CSVText.field(level.name, .text, delimiter: ",")
      for key in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        let g = groups[key]!
        agg += "\(name),\(key[2]),\(key[0]),\(key[1]),\(g.sums[0]),\(Rational(g.sums[1], 100).formatted(decimals: 2)),\(g.distinct)\n"
      }
      let series = Set(groups.keys.map { [$0[0], $0[1]] })
      for s in series.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        let f = groups[s + [first]]
        let l = groups[s + [last]]
        guard f != nil || l != nil else { continue }
        func cells(_ v: (GroupMeasures) -> Rational, decimals: Int) -> String {
          let a = f.map(v)
          let b = l.map(v)
          let pct = Growth.between(a, b, .relative).map { $0.formatted(decimals: 4) } ?? ""
          return [a, b].map { $0?.formatted(decimals: decimals) ?? "" }.joined(separator: ",") + "," + pct
        }
        growth += "\(name),\(s[0]),\(s[1]),\(first),\(last),"
        growth += cells({ Rational($0.sums[0]) }, decimals: 0) + ","
        growth += cells({ Rational($0.sums[1], 100) }, decimals: 2) + ","
        growth += cells({ Rational($0.distinct) }, decimals: 0) + "\n"
      }
    }
    try write(context, agg, growth)
    return result
  }

  private func write(_ context: RunContext, _ agg: String, _ growth: String) throws {
    guard let out = context.output else { return }
    try out.write("aggregates.csv", Array(agg.utf8))
    try out.write("growth.csv", Array(growth.utf8))
  }
}
