import LunaDomain
import LunaPipeCore

/// The validate pipeline: reads and checks claims extracts against every
/// rule of the contract and writes only `rejects.csv` and the run report.
public enum ValidateClaims {
  public static let name = "validate"

  public static func pipeline(claims: [String]) -> Pipeline<Void, RunReport.Totals> {
    Pipeline(name).readCSV(claims).validate(LunaClaims.schema).check()
  }
}
