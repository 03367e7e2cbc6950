// Files imported `with { type: "file" }` are embedded by `bun build --compile`; the import is a path.
declare module "swagger-ui-dist/*" {
  const path: string;
  export default path;
}
