import CultureTourismAdapter
import GovCaseCore
import Hotline12345Adapter
import NationalPlatformAdapter

/// The adapters compiled into the gateway, by id.
public enum BuiltInAdapters {
    /// Every built-in adapter, with the deployment's code-table overrides by adapter id, then source system.
    public static func all(overrides: [String: [String: CodeTable]] = [:]) -> [AnySourceAdapter] {
        [
            AnySourceAdapter(NationalPlatformAdapter(overrides: overrides["national-platform"] ?? [:])),
            AnySourceAdapter(CultureTourismAdapter(overrides: overrides["culture-tourism"] ?? [:])),
            AnySourceAdapter(Hotline12345Adapter(overrides: overrides["hotline-12345"] ?? [:])),
        ]
    }
}
