import LunaPipeCore

/// The bike-share report: rides, minutes, fares and riders per station and
/// year, per station and quarter, and each station's growth in rides from
/// the first year to the last.
public enum BikeShare {
  /// A ride log: one line per ride. Plain numbers (`2.75`), ISO dates.
  /// `member` is empty for a casual rider.
  public static let schema = Schema(columns: [
    Column("ride_id", .text(maxLength: 16)),
    Column("station", .text(maxLength: 80)),
    Column("started", .date(.iso, years: 2015...2035)),
    Column("minutes", .integer(1...1_440)),
    Column("fare", .decimal(scale: 2), maxMagnitude: 100_000),
    Column("member", .text(maxLength: 16), required: false),
  ])

  /// Per station and quarter (year and quarter both derived from the date).
  public static let aggregation = Aggregation(
    keys: ["station", .year("started", as: "year"), .quarter("started", as: "quarter")],
    measures: [
      .count(as: "rides"),
      .sum("minutes"),
      .sum("fare", as: "fares"),
      .distinct("member", as: "members"),
      .count(as: "casual_rides", where: .absent("member")),
      .count(as: "long_rides", where: .greater("minutes", than: 60)),
      .max("started", as: "last_ride"),
    ])

  /// Read → validate (a ride starting in the future is a reject of our own)
  /// → aggregate → the tidy outputs: `by-station-year.csv`,
  /// `by-station-quarter.csv`, `growth.csv`.
  public static func pipeline(rides: [String], today: String = "2026-12-31") -> Pipeline<Void, AggregateResult> {
    Pipeline("bikeshare")
      .readCSV(rides)
      .validate(schema)
      .reject("in-the-future", column: "started", where: .greater("started", than: today))
      .aggregate(aggregation)
      .emitRows("by-station-year.csv", by: ["station", "year"])
      .emitRows("by-station-quarter.csv")
      .map("growth") { result, context in
        try context.output?.write("growth.csv", Array(try growth(result).utf8))
        return result
      }
  }

  /// Rides per station in the first and the last year of the data, and the
  /// growth in percent with one decimal (empty when the first year had no
  /// ride): exact, from whole numbers.
  public static func growth(_ result: AggregateResult) throws -> String {
    let rows = try result.rows(by: ["station", "year"])
    let years = Set(rows.rows.map { $0.keys[1] }).sorted()
    guard let first = years.first, let last = years.last else { return "station,first,last,growth_pct\n" }
    var rides: [String: [GroupValue: Int64]] = [:]
    for r in rows.rows {
      if case .number(let n)? = rows.value("rides", in: r) { rides[r.keys[0].description, default: [:]][r.keys[1]] = n }
    }
    var out = "station,rides_\(first),rides_\(last),growth_pct\n"
    for station in rides.keys.sorted() {
      let a = rides[station]?[first] ?? 0
      let b = rides[station]?[last] ?? 0
      let g = Growth.between(Rational(a), Rational(b), .relative).map { $0.formatted(decimals: 1) } ?? ""
      let name = station.contains(",") ? "\"\(station)\"" : station
      out += "\(name),\(a),\(b),\(g)\n"
    }
    return out
  }
}
