/** inspect's layout: the context it formats in, grouping array entries, one line or several. */

/** The options and recursion state of one inspect() call. */
export interface InspectContext {
  depth: number;
  seen: unknown[];
  circular: Map<unknown, number> | undefined;
  indentationLvl: number;
  currentDepth: number;
  readonly breakLength: number;
  readonly compact: number;
  readonly maxArrayLength: number;
  readonly maxStringLength: number;
}

/** What the entries are, for the layout: object properties, array items, array items plus keys. */
export const kObjectType = 0;
export const kArrayType = 1;
export const kArrayExtrasType = 2;
export type ExtrasType = typeof kObjectType | typeof kArrayType | typeof kArrayExtrasType;

// Node measures display width; UTF-16 length matches it for the ASCII text messages carry.
const getStringWidth = (str: string): number => str.length;

function groupArrayElements(ctx: InspectContext, output: string[], value: unknown): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLen: number[] = new Array<number>(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const len = getStringWidth(output[i] ?? '');
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const approxCharHeights = 2.5;
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(approxCharHeights * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const tmp: string[] = [];
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineMaxLength = 0;
      for (let j = i; j < output.length; j += columns) {
        const len = dataLen[j] ?? 0;
        if (len > lineMaxLength) lineMaxLength = len;
      }
      maxLineLength.push(lineMaxLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      const items = value as ArrayLike<unknown>;
      for (let i = 0; i < output.length; i++) {
        if (typeof items[i] !== 'number' && typeof items[i] !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let str = '';
      let j = i;
      for (; j < max - 1; j++) {
        const entry = `${output[j] ?? ''}, `;
        const padding = maxLineLength[j - i] ?? 0;
        str += padStart ? entry.padStart(padding, ' ') : entry.padEnd(padding, ' ');
      }
      if (padStart) {
        const padding = (maxLineLength[j - i] ?? 0) - separatorSpace;
        str += (output[j] ?? '').padStart(padding, ' ');
      } else {
        str += output[j] ?? '';
      }
      tmp.push(str);
    }
    if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength] ?? '');
    return tmp;
  }
  return output;
}

function isBelowBreakLength(ctx: InspectContext, output: string[], start: number, base: string): boolean {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

export function reduceToSingleString(
  ctx: InspectContext,
  input: string[],
  base: string,
  braces: [string, string],
  extrasType: ExtrasType,
  recurseTimes: number,
  value: unknown,
): string {
  let output = input;
  const entries = output.length;
  if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
  // Entries of the innermost `compact` (3) levels go on one line if they fit in breakLength.
  if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
    if (isBelowBreakLength(ctx, output, start, base)) {
      const joinedOutput = output.join(', ');
      if (!joinedOutput.includes('\n')) {
        return `${base ? `${base} ` : ''}${braces[0]} ${joinedOutput} ${braces[1]}`;
      }
    }
  }
  const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
  return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
}
