import LunaDomain
import LunaPipeCore

/// The claims-summary pipeline: the peer benchmark's job (see README,
/// "Performance"). Per (year, speciale) and clinic kommune, patient kommune
/// and clinic region: ydelser, udgift and distinct patients, and their growth
/// from the first to the last year. Writes `aggregates.csv` and `growth.csv`.
public enum ClaimsSummary {
  public static let name = "claims-summary"

  public static func pipeline(claims: [String], geography: Geography = .denmark) -> Pipeline<Void, AggregateResult> {
    Pipeline(name)
      .readCSV(claims)
      .validate(LunaClaims.schema)
      .aggregate(LunaClaims.summaryAggregation)
      .then(TidyAggregates(levels: ClaimsLevel.peerBenchmark(geography)))
  }
}
