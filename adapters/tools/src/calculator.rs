//! The `calculator` tool: a real expression evaluator (exmex) in floating point: `+ - * /`, `^` and `**`,
//! parentheses, `sqrt sin cos log ln abs` (and the rest of exmex's functions: `exp`, `tan`, `floor`, ...), `pi` and
//! `e`. `log` is base 10 and `ln` natural, as on a calculator. Results are `{"result": <number>}`; division by zero,
//! overflow, unknown names and syntax errors are readable errors.

use ares_application::ports::{Tool, ToolError, ToolSpec};
use async_trait::async_trait;
use exmex::{Express, FlatEx, FloatOpsFactory, MakeOperators, Operator, ops_factory};
use serde_json::{Value, json};

ops_factory!(
    CalculatorOps,
    f64,
    Operator::make_unary("log", |a| a.log10()),
    Operator::make_constant("pi", std::f64::consts::PI)
);

/// exmex's float operators, with `log` in base 10 and `pi` spelled as on a calculator.
#[derive(Clone, Debug)]
struct Operators;

impl MakeOperators<f64> for Operators {
    fn make<'a>() -> Vec<Operator<'a, f64>> {
        let ours = CalculatorOps::make();
        let mut all: Vec<Operator<'a, f64>> = FloatOpsFactory::<f64>::make()
            .into_iter()
            .filter(|op| !ours.iter().any(|mine| mine.repr() == op.repr()))
            .collect();
        all.extend(ours);
        all
    }
}

/// The longest expression taken.
const MAX_LEN: usize = 2_000;

/// Evaluates `expression`.
///
/// # Errors
/// A readable message: a syntax error, an unknown name, division by zero, overflow, or an undefined result.
pub fn evaluate(expression: &str) -> Result<f64, String> {
    let expression = expression.trim();
    if expression.is_empty() {
        return Err("The expression is empty".to_owned());
    }
    if expression.len() > MAX_LEN {
        return Err(format!("The expression is longer than {MAX_LEN} characters"));
    }
    let normalized = expression.replace("**", "^");
    let parsed = FlatEx::<f64, Operators>::parse(&normalized)
        .map_err(|err| format!("Cannot read the expression '{expression}': {}", err.msg()))?;
    if let Some(unknown) = parsed.var_names().first() {
        return Err(format!(
            "Unknown name '{unknown}' in '{expression}'. Use numbers, + - * / ^, parentheses, sqrt sin cos log ln abs, pi and e"
        ));
    }
    let value = parsed.eval(&[]).map_err(|err| format!("Cannot evaluate '{expression}': {}", err.msg()))?;
    if value.is_nan() {
        return Err(format!(
            "'{expression}' is undefined (0/0, or a function outside its domain such as sqrt(-1) or ln(0))"
        ));
    }
    if value.is_infinite() {
        let cause = if divides_by_zero(&normalized) { "division by zero" } else { "the result overflows" };
        return Err(format!("Cannot evaluate '{expression}': {cause}"));
    }
    Ok(clean(value))
}

/// Whether some divisor of the expression evaluates to zero.
fn divides_by_zero(expression: &str) -> bool {
    expression.match_indices('/').any(|(at, _)| {
        let rest = &expression[at + 1..];
        let divisor = operand(rest);
        FlatEx::<f64, Operators>::parse(divisor).ok().and_then(|d| d.eval(&[]).ok()).is_some_and(|d| d == 0.0)
    })
}

/// The operand that starts `text`: a parenthesized group, or the run of characters up to the next operator.
fn operand(text: &str) -> &str {
    let text = text.trim_start();
    if text.starts_with('(') {
        let mut depth = 0;
        for (i, c) in text.char_indices() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if depth == 0 {
                return &text[..=i];
            }
        }
        return text;
    }
    let end = text.find(|c: char| "+-*/^) ".contains(c)).unwrap_or(text.len());
    &text[..end]
}

/// Rounds away floating-point noise (`0.1 + 0.2` is `0.3`), keeping 12 significant digits.
fn clean(value: f64) -> f64 {
    if value == 0.0 {
        return 0.0;
    }
    let digits = 12 - value.abs().log10().floor() as i32 - 1;
    if !(0..=15).contains(&digits) {
        return value;
    }
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The tool.
#[derive(Debug, Default, Clone, Copy)]
pub struct Calculator;

#[async_trait]
impl Tool for Calculator {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "calculator".into(),
            description: "Evaluates a mathematical expression exactly: + - * /, ^ or ** for powers, parentheses, \
                          sqrt, sin, cos, log (base 10), ln, abs, and the constants pi and e."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {"expression": {"type": "string", "description": "The expression, e.g. 50000 * (1.15 ^ 10)"}},
                "required": ["expression"]
            }),
        }
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let expression = arguments
            .get("expression")
            .and_then(Value::as_str)
            .ok_or_else(|| ToolError::InvalidArguments("Missing required argument: expression (a string)".into()))?;
        evaluate(expression).map(|result| json!({ "result": result })).map_err(ToolError::InvalidArguments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mortgage_of_the_guide_is_2528_27_to_the_cent() {
        let payment = evaluate("(400000 * (0.065/12) * (1 + 0.065/12)^360) / ((1 + 0.065/12)^360 - 1)").unwrap();
        assert_eq!((payment * 100.0).round() / 100.0, 2528.27);
    }

    #[test]
    fn operators_functions_and_constants_work_as_on_a_calculator() {
        for (expression, expected) in [
            ("1 + 2 * 3", 7.0),
            ("(1 + 2) * 3", 9.0),
            ("2 ^ 10", 1024.0),
            ("2 ** 10", 1024.0),
            ("7 / 2", 3.5),
            ("-3 + 1", -2.0),
            ("sqrt(16) + abs(-2)", 6.0),
            ("log(1000)", 3.0),
            ("ln(e)", 1.0),
            ("cos(0) + sin(0)", 1.0),
            ("pi * 10", 31.4159265359),
            ("0.1 + 0.2", 0.3),
            ("50000 * (1.15 ^ 10)", 202277.886785),
        ] {
            assert_eq!(evaluate(expression), Ok(expected), "{expression}");
        }
    }

    #[test]
    fn bad_expressions_are_readable_errors() {
        assert_eq!(evaluate("1 / 0").unwrap_err(), "Cannot evaluate '1 / 0': division by zero");
        assert_eq!(evaluate("5 / (2 - 2)").unwrap_err(), "Cannot evaluate '5 / (2 - 2)': division by zero");
        assert_eq!(evaluate("10 ^ 400").unwrap_err(), "Cannot evaluate '10 ^ 400': the result overflows");
        assert!(evaluate("foo + 1").unwrap_err().starts_with("Unknown name 'foo'"));
        assert!(evaluate("2 +* 3").unwrap_err().starts_with("Cannot read the expression '2 +* 3'"));
        assert!(evaluate("(1 + 2").unwrap_err().starts_with("Cannot read the expression"));
        assert!(evaluate("sqrt(-1)").unwrap_err().contains("undefined"));
        assert_eq!(evaluate("  ").unwrap_err(), "The expression is empty");
    }

    #[tokio::test]
    async fn the_tool_answers_the_documented_shape() {
        let result = Calculator.call(json!({"expression": "6 * 7"})).await.unwrap();
        assert_eq!(result, json!({"result": 42.0}));
        let missing = Calculator.call(json!({"expr": "1"})).await.unwrap_err();
        assert_eq!(missing.to_string(), "Missing required argument: expression (a string)");
    }
}
