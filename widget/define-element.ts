/**
 * Lit's `@customElement`, but defining only where there is a registry and only once. Importing the
 * widget in Node (server rendering) then throws nothing and leaves no `customElements` global
 * behind (which would make other code believe it runs in a browser), and a page that loads the
 * script twice keeps the first definition instead of throwing "name already used".
 */
export const defineElement =
  (tagName: string) =>
  (elementClass: CustomElementConstructor): void => {
    if (typeof customElements === 'undefined' || customElements.get(tagName)) return;
    customElements.define(tagName, elementClass);
  };
