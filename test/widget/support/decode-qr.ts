/** Reads a rendered QR back, as a phone's camera would: the SVG drawn on a white canvas, decoded by jsQR. */
import jsQR from 'jsqr';

const MODULE_PX = 8;

export async function decodeSvgQr(svg: SVGSVGElement): Promise<string | null> {
  const [, , width = 0] = (svg.getAttribute('viewBox') ?? '').split(/\s+/).map(Number);
  const px = Math.ceil(width * MODULE_PX);
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(px));
  copy.setAttribute('height', String(px));
  const xml = new XMLSerializer().serializeToString(copy);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
  await image.decode();

  // A white margin around the code: the quiet zone a printed code would have.
  const margin = 4 * MODULE_PX;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px + 2 * margin;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, margin, margin, px, px);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(data, canvas.width, canvas.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}
