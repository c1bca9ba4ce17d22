import LunaDomain
import LunaPipeCore

/// The claims-summary pipeline: the peer benchmark's job (see README,
/// "Performance"). Per (year, speciale) and clinic kommune, patient kommune
/// and clinic region: ydelser, udgift and distinct patients, and their growth
/// from the first to the last year. Writes `aggregates.csv` and `growth.csv`.
public enum ClaimsSummary {
  public static let name = "claims-summary"

  /// A grouping level of the summary: its name and the kommune key it rolls
  /// up to (a kommune code, or a region code).
  struct Level {
    let name: String
    let key: @Sendable ([Int64]) -> Int64?
  }

  static func levels(_ geography: Geography) -> [Level] {
    [
      Level(name: "patientkommune") { $0[3] },
      Level(name: "yderkommune") { $0[2] },
      Level(name: "yderregion") { k in
        geography.region(ofKommune: Int(k[2]), year: Int(k[0])).map { Int64($0.code) }
      },
    ]
  }

  public static func pipeline(claims: [String], geography: Geography = .denmark) -> Pipeline<Void, Void> {
    Pipeline(name)
      .readCSV(claims)
      .validate(LunaClaims.schema)
      .aggregate(LunaClaims.aggregation)
      .then(SummaryFiles(levels: levels(geography)))
  }
}

/// Stage: writes `aggregates.csv` (`niveau,Aar,Speciale,Kode,ydelser,udgift,
/// patienter`, ordered by niveau, Speciale, Kode, Aar) and `growth.csv`
/// (first to last year of the data, growth in percent with 4 decimals, empty
/// when the base is 0 or missing).
struct SummaryFiles: Stage {
  let label = "summary-files"
  let levels: [ClaimsSummary.Level]

  func run(_ result: AggregateResult, in context: RunContext) throws {
    var agg = "niveau,Aar,Speciale,Kode,ydelser,udgift,patienter\n"
    var growth =
      "niveau,Speciale,Kode,foerste_aar,sidste_aar,ydelser_foerste,ydelser_sidste,ydelser_vaekst_pct,udgift_foerste,udgift_sidste,udgift_vaekst_pct,patienter_foerste,patienter_sidste,patienter_vaekst_pct\n"
    let years = result.keys.map { $0[0] }
    guard let first = years.min(), let last = years.max() else {
      try write(context, agg, growth)
      return
    }
    // key: [Speciale, Kode, Aar]
    let rolled = result.rollups(
      levels.map { level in { k in level.key(k).map { [k[1], $0, k[0]] } } }, threads: context.options.threads)
    for (level, groups) in zip(levels, rolled) {
      for key in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        let g = groups[key]!
        agg += "\(level.name),\(key[2]),\(key[0]),\(key[1]),\(g.sums[0]),\(Rational(g.sums[1], 100).formatted(decimals: 2)),\(g.distinct)\n"
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
        growth += "\(level.name),\(s[0]),\(s[1]),\(first),\(last),"
        growth += cells({ Rational($0.sums[0]) }, decimals: 0) + ","
        growth += cells({ Rational($0.sums[1], 100) }, decimals: 2) + ","
        growth += cells({ Rational($0.distinct) }, decimals: 0) + "\n"
      }
    }
    try write(context, agg, growth)
  }

  private func write(_ context: RunContext, _ agg: String, _ growth: String) throws {
    guard let out = context.output else { return }
    try out.write("aggregates.csv", Array(agg.utf8))
    try out.write("growth.csv", Array(growth.utf8))
  }
}
