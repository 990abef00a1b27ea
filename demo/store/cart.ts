/**
 * The cart in the page: quantities by SKU, kept in sessionStorage so a reload keeps it. Prices
 * shown here are for display; the backend prices the order again from SKUs and quantities.
 */
import { MAX_QTY_PER_PRODUCT } from './catalog';

export type CartItem = { sku: string; qty: number };

const KEY = 'demo-store-cart';

export class Cart {
  private readonly qty = new Map<string, number>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null, known: (sku: string) => boolean) {
    try {
      const saved = JSON.parse(storage?.getItem(KEY) ?? '[]') as CartItem[];
      for (const { sku, qty } of saved) if (known(sku) && Number.isInteger(qty) && qty > 0) this.qty.set(sku, Math.min(qty, MAX_QTY_PER_PRODUCT));
    } catch {
      // a damaged saved cart is an empty cart
    }
  }

  items(): CartItem[] {
    return [...this.qty].map(([sku, qty]) => ({ sku, qty }));
  }

  /** Adds `delta` (may be negative) of `sku`, within 0…MAX_QTY_PER_PRODUCT. */
  change(sku: string, delta: number): void {
    const next = Math.max(0, Math.min(MAX_QTY_PER_PRODUCT, (this.qty.get(sku) ?? 0) + delta));
    if (next === 0) this.qty.delete(sku);
    else this.qty.set(sku, next);
    this.save();
  }

  clear(): void {
    this.qty.clear();
    this.save();
  }

  totalMinor(priceOf: (sku: string) => number): number {
    return this.items().reduce((sum, i) => sum + priceOf(i.sku) * i.qty, 0);
  }

  private save(): void {
    this.storage?.setItem(KEY, JSON.stringify(this.items()));
  }
}
