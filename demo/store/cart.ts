/**
 * The cart in the page: quantities by SKU, kept in sessionStorage so a reload keeps it. Prices
 * shown here are for display; the backend prices the order again from SKUs and quantities.
 */
import { maxQtyOf } from './catalog';

export type CartItem = { sku: string; qty: number };

const KEY = 'demo-store-cart';

export class Cart {
  private readonly qty = new Map<string, number>();

  /** `maxOf`: the most of one product an order may hold (default: the catalog's, one of a subscription). */
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null,
    known: (sku: string) => boolean,
    private readonly maxOf: (sku: string) => number = maxQtyOf,
  ) {
    try {
      const saved = JSON.parse(storage?.getItem(KEY) ?? '[]') as CartItem[];
      for (const { sku, qty } of saved) if (known(sku) && Number.isInteger(qty) && qty > 0) this.qty.set(sku, Math.min(qty, maxOf(sku)));
    } catch {
      // a damaged saved cart is an empty cart
    }
  }

  /** Whether another one of `sku` may go in. */
  canAdd(sku: string): boolean {
    return (this.qty.get(sku) ?? 0) < this.maxOf(sku);
  }

  items(): CartItem[] {
    return [...this.qty].map(([sku, qty]) => ({ sku, qty }));
  }

  /** Adds `delta` (may be negative) of `sku`, within 0…its most (`maxOf`). */
  change(sku: string, delta: number): void {
    const next = Math.max(0, Math.min(this.maxOf(sku), (this.qty.get(sku) ?? 0) + delta));
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
