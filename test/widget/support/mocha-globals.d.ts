/**
 * The globals web-test-runner's Mocha gives the browser tests. The repo's tsconfig loads only
 * Node's types (the server tests import `node:test`), so the few Mocha functions used are declared here.
 */
type MochaBody = (this: MochaContext) => void | Promise<unknown>;
interface MochaContext {
  timeout(ms: number): void;
  skip(): never;
}

declare function describe(title: string, body: (this: MochaContext) => void): void;
declare function it(title: string, body: MochaBody): void;
declare function before(body: MochaBody): void;
declare function after(body: MochaBody): void;
declare function beforeEach(body: MochaBody): void;
declare function afterEach(body: MochaBody): void;
