/// Builds schedulers from `scheduler_config.json`.
public enum SchedulerFactory {
    /// The diffusers class names ``makeScheduler(config:)`` accepts.
    public static let supportedClassNames = [
        DDPMScheduler.className, DDIMScheduler.className, PNDMScheduler.className, EulerDiscreteScheduler.className,
        EulerAncestralDiscreteScheduler.className, DPMSolverMultistepScheduler.className, LCMScheduler.className,
    ]

    /// The scheduler named by the config's `_class_name`. Throws
    /// ``DiffusionModelsError/unsupportedScheduler(className:supported:)`` for a class not in ``supportedClassNames``
    /// and ``DiffusionModelsError/invalidSchedulerConfig(field:reason:)`` for a field value it cannot honour.
    public static func makeScheduler(config: SchedulerConfig) throws(DiffusionModelsError) -> any Scheduler {
        switch config.className {
        case DDPMScheduler.className: try DDPMScheduler(config: config)
        case DDIMScheduler.className: try DDIMScheduler(config: config)
        case PNDMScheduler.className: try PNDMScheduler(config: config)
        case EulerDiscreteScheduler.className: try EulerDiscreteScheduler(config: config)
        case EulerAncestralDiscreteScheduler.className: try EulerAncestralDiscreteScheduler(config: config)
        case DPMSolverMultistepScheduler.className: try DPMSolverMultistepScheduler(config: config)
        case LCMScheduler.className: try LCMScheduler(config: config)
        default: throw .unsupportedScheduler(className: config.className ?? "(missing _class_name)", supported: supportedClassNames)
        }
    }

    /// Reads `scheduler_config.json` at `path` and builds its scheduler.
    public static func makeScheduler(contentsOf path: String) throws(DiffusionModelsError) -> any Scheduler {
        try makeScheduler(config: SchedulerConfig(contentsOf: path))
    }
}
