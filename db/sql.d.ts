// SQL files are imported as text so that migrations live inside the compiled binary.
declare module "*.sql" {
  const text: string;
  export default text;
}
