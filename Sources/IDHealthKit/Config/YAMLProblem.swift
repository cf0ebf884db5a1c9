import Yams

/// What is wrong with a YAML file, by line and column, without the file's text.
///
/// Yams' own description quotes the offending line, and in `profiles.yml` or `idhealth.yml`
/// that line may be `password: Sup3rS3cret: bad`. The position and libyaml's problem are
/// enough to find it.
enum YAMLProblem {
    static func describe(_ error: Error) -> String {
        guard let error = error as? YamlError else { return "cannot be parsed" }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let around = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(around)"
        case .reader(let problem, let offset, _, _):
            return offset.map { "byte \($0): \(problem)" } ?? problem
        case .dataCouldNotBeDecoded:
            return "not UTF-8 text"
        default:
            return "cannot be parsed"
        }
    }
}
