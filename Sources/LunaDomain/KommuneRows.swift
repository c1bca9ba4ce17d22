import LunaPipeCore

/// Which kommune a claims table groups by.
public enum KommuneKey: String, Sendable {
  /// YderKommune: where the clinic is ("Kommune (yder)"; for regions
  /// "producerende region").
  case yder
  /// PatientKommune: where the patient lives ("Kommune (Patient)",
  /// "bopælskommune"; for regions "forbrugende region").
  case patient

  /// Position in `LunaClaims.aggregation.keys`.
  var keyIndex: Int { self == .yder ? 2 : 3 }
}

/// Row families for claims tables over `LunaClaims.aggregation`: one row per
/// kommune of a region, and the region's Total row.
public enum KommuneRows {
  /// One row per kommune of `region` (Danish alphabetical order, as the
  /// praksisplan prints them), columns by year, for one speciale.
  public static func kommuner(
    of region: Int = 1081, by key: KommuneKey, speciale: Int64, geography: Geography = .denmark, year: Int = 2023
  ) -> RowFamily {
    let rows = geography.kommuner(inRegion: region, year: year).map { (label: $0.name, row: Int64($0.code)) }
    let ki = key.keyIndex
    return RowFamily(name: "kommune-\(key.rawValue)-\(speciale)-\(region)", rows: rows) { k in
      k[1] == speciale ? (row: k[ki], column: k[0]) : nil
    }
  }

  /// One Total row: distinct over the whole region, never the sum of rows.
  public static func total(
    of region: Int = 1081, by key: KommuneKey, speciale: Int64, label: String = "Total",
    geography: Geography = .denmark
  ) -> RowFamily {
    let ki = key.keyIndex
    let lookup = RegionLookup(geography)
    return RowFamily(name: "total-\(key.rawValue)-\(speciale)-\(region)", rows: [(label: label, row: 0)]) { k in
      guard k[1] == speciale, lookup.region(ofKommune: k[ki], year: k[0]) == Int64(region) else {
        return nil
      }
      return (row: 0, column: k[0])
    }
  }
}
