/**
 * pytorch/examples word_language_model/data.py (commit 00ef8a7), line for line: a Dictionary of
 * the words seen and a Corpus that reads train.txt, valid.txt and test.txt of a folder into
 * tensors of word ids, each line's words followed by '<eos>'.
 *
 * As Python's text files: '\r\n' and '\r' end lines as '\n' does, and a line is split on
 * Python's whitespace (str.split()). The ids are int32 (torchlet's integer dtype; int64 there).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, tensor, cat } from '../../../src';

/** The characters Python's str.split() splits on (str.isspace()); JS's \s differs in a few. */
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `line.split()`: the words between runs of whitespace. */
function split(line: string): string[] {
  return line.split(PYTHON_WHITESPACE).filter((w) => w !== '');
}

/** Python's `for line in open(path, 'r', encoding="utf8")`: the lines, universal newlines. */
function linesOf(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the text after the last '\n' is a line only when not empty
  return lines;
}

export class Dictionary {
  word2idx = new Map<string, number>();
  idx2word: string[] = [];

  addWord(word: string): number {
    if (!this.word2idx.has(word)) {
      this.idx2word.push(word);
      this.word2idx.set(word, this.idx2word.length - 1);
    }
    return this.word2idx.get(word)!;
  }

  /** Python's len(dictionary). */
  get length(): number {
    return this.idx2word.length;
  }
}

export class Corpus {
  dictionary: Dictionary;
  train: Tensor;
  valid: Tensor;
  test: Tensor;

  constructor(dir: string) {
    this.dictionary = new Dictionary();
    this.train = this.tokenize(path.join(dir, 'train.txt'));
    this.valid = this.tokenize(path.join(dir, 'valid.txt'));
    this.test = this.tokenize(path.join(dir, 'test.txt'));
  }

  /** Tokenizes a text file. */
  tokenize(file: string): Tensor {
    if (!fs.existsSync(file)) throw new Error(`AssertionError: assert os.path.exists(path) (${file})`);
    // Add words to the dictionary
    for (const line of linesOf(file)) {
      const words = [...split(line), '<eos>'];
      for (const word of words) this.dictionary.addWord(word);
    }

    // Tokenize file content
    const idss: Tensor[] = [];
    for (const line of linesOf(file)) {
      const words = [...split(line), '<eos>'];
      const ids: number[] = [];
      for (const word of words) ids.push(this.dictionary.word2idx.get(word)!);
      idss.push(tensor(Int32Array.from(ids))); // torch.tensor(ids).type(torch.int64)
    }
    return cat(idss);
  }
}
