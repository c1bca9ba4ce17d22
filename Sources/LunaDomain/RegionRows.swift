import LunaPipeCore

/// Row families for region tables over `LunaClaims.aggregation`: one row per
/// region, by the clinic's region (producerende region) or the patient's
/// (forbrugende region), and a Total row for the whole country.
///
///     let rows = [
///       RegionRows.regioner(by: .yder, speciale: 51),
///       RegionRows.total(by: .yder, speciale: 51),
///     ]
public enum RegionRows {
  /// The order the praksisplan prints the regions of Tabel 18–34 in: the
  /// plan's own region first.
  public static let planOrder = [1081, 1082, 1083, 1085, 1084]
  /// The order of Tabel 42–56: alphabetical.
  public static let alphabetical = [1084, 1082, 1081, 1085, 1083]

  /// One row per region in `order`, columns by year, for one speciale. A
  /// key joins the region its kommune belonged to in the key's year. Every
  /// speciale shares one rollup (row codes are speciale × 10,000 + region).
  public static func regioner(
    _ order: [Int] = planOrder, by key: KommuneKey, speciale: Int64, geography: Geography = .denmark
  ) -> RowFamily {
    let rows = order.compactMap { code in
      geography.region(code: code).map { (label: $0.name, row: speciale * 10_000 + Int64(code)) }
    }
    let ki = key.keyIndex
    let lookup = RegionLookup(geography)
    return RowFamily(name: "region-\(key.rawValue)", rows: rows) { k in
      guard let r = lookup.region(ofKommune: k[ki], year: k[0]) else { return nil }
      return (row: k[1] * 10_000 + r, column: k[0])
    }
  }

  /// One Total row over every region: distinct over the country, so a
  /// patient seen in two regions counts once. Every speciale shares one
  /// rollup (row code = speciale).
  public static func total(by key: KommuneKey, speciale: Int64, label: String = "Total") -> RowFamily {
    RowFamily(name: "country", rows: [(label: label, row: speciale)]) { k in (row: k[1], column: k[0]) }
  }
}

/// A kommune's region by year as one array look-up: a row family's key runs
/// for every finest-grain key of the aggregate, too often for a search of
/// the validity periods each time.
public struct RegionLookup: Sendable {
  static let years: ClosedRange<Int64> = 2000...2100
  private let table: [Int32]

  /// The regions of every kommune in 2000–2100 (the claims' year range).
  public init(_ geography: Geography = .denmark) {
    var t = [Int32](repeating: 0, count: Self.years.count * 1000)
    for k in geography.kommuner where k.code < 1000 {
      for y in Self.years {
        t[Int(y - Self.years.lowerBound) * 1000 + k.code] = Int32(geography.region(ofKommune: k.code, year: Int(y))?.code ?? 0)
      }
    }
    table = t
  }

  /// The region code of `kommune` on 1 July of `year`, or nil.
  public func region(ofKommune kommune: Int64, year: Int64) -> Int64? {
    guard Self.years.contains(year), (0..<1000).contains(kommune) else { return nil }
    let r = table[Int(year - Self.years.lowerBound) * 1000 + Int(kommune)]
    return r == 0 ? nil : Int64(r)
  }
}
