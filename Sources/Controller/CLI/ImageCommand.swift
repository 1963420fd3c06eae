import ArgumentParser

/// `kloudbuster image`: the agent VM image in the cloud.
public struct ImageCommand: AsyncParsableCommand {
    /// The group's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage the agent VM image that `run --cloud openstack` boots.",
        discussion: """
            `make image` builds the agent image (a qcow2 file); `kloudbuster image upload` puts it into Glance under the name `run` looks for (image_name, default \(OpenStackStager.defaultImageName)).
            """,
        subcommands: [ImageUploadCommand.self])

    /// For ArgumentParser.
    public init() {}
}
