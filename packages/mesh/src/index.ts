/** Placeholder until the package lands. */
export const PACKAGE_NAME = '@raunet/mesh';
