/**
 * Stands in for @lit-labs/ssr-dom-shim in the bundle. Lit's "node" builds (which the bundle uses,
 * because they guard every top-level DOM access) import these two names for when there is no DOM;
 * in a browser the real ones are used. Lit assigns `customElements` to the global when there is
 * none: it is `undefined` here so that importing the widget in Node leaves no fake registry
 * behind (`defineElement` skips defining where there is no registry). The import then defines
 * nothing and throws nothing, at a few dozen bytes instead of the full shim.
 */
export class HTMLElement {}
export const customElements = undefined;
