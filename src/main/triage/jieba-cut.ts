import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | undefined;

/**
 * jieba's plain cut (not search mode), the segmentation the triage model was trained with: the service and
 * this desktop must split a text the same way for one model to give one answer. The dictionary (~0.3 s to
 * load) is loaded on the first call.
 */
export function jiebaCut(text: string): string[] {
  jieba ??= Jieba.withDict(dict);
  return jieba.cut(text, false);
}
