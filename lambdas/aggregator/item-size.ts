/**
 * DynamoDB's item size rules (names plus values; numbers about one byte per two significant digits
 * plus one; maps and lists 3 bytes plus 1 per element), used to charge a failed conditional write:
 * DynamoDB bills it like a write of the existing item but returns no ConsumedCapacity with the error.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, item) => sum + utf8(item), 0);
  if (value.NS) return value.NS.reduce((sum, item) => sum + numberSize(item), 0);
  if (value.BS) return value.BS.reduce((sum, item) => sum + item.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((sum, item) => sum + valueSize(item) + 1, 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, item]) => sum + utf8(name) + valueSize(item) + 1, 0);
  return 0;
}

export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

/** Write units a write touching an item of this size consumes (1 per started KB, at least 1). */
export function writeUnitsFor(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / 1024));
}
