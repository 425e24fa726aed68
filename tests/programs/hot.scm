;; SPDX-License-Identifier: MIT
;; A loop hot enough for Guile's JIT, with a result to compare.
(define (f n) (let loop ((i 0) (s 0)) (if (= i n) s (loop (+ i 1) (+ s (modulo (* i 7) 13))))))
(define (g k t) (if (= k 0) t (g (- k 1) (+ t (f 10000)))))
(display (g 200 0)) (newline)
